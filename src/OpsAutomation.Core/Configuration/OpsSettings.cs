using OpsAutomation.Core.Logging;

namespace OpsAutomation.Core.Configuration;

/// <summary>Settings every command shares, after layering file &lt; OPS_* environment &lt; parameters.</summary>
public sealed record OpsSettings
{
    /// <summary>The state directory (history, circuits, logs). Default: see <see cref="StatePaths.Default"/>.</summary>
    public required string StatePath { get; init; }

    /// <summary>Seconds a state store write waits for another run's lock before it fails as busy, 1 to 3600. Default 30.</summary>
    public int StateBusyTimeoutSec { get; init; } = 30;

    /// <summary>Concurrent operations. Default 32.</summary>
    public int ThrottleLimit { get; init; } = 32;

    /// <summary>The limit of one attempt in seconds. Default 10.</summary>
    public double TimeoutSec { get; init; } = 10;

    /// <summary>Retries after a failed first attempt. Default 0.</summary>
    public int RetryCount { get; init; }

    /// <summary>Days of health history kept; older results are removed at the end of a run. Default 30.</summary>
    public int HistoryRetentionDays { get; init; } = 30;

    /// <summary>Hours of the module's metric samples kept for in-process rule evaluation. Default 24.</summary>
    public int MetricHistoryRetentionHours { get; init; } = 24;

    /// <summary>A Pushgateway to push metrics to after a run; none by default.</summary>
    public Uri? PushGatewayUri { get; init; }

    /// <summary>The job label of pushed metrics. Default "opsautomation".</summary>
    public string PushGatewayJob { get; init; } = "opsautomation";

    /// <summary>The deadline of a push to the Pushgateway in seconds, answer included. Default 10.</summary>
    public double PushGatewayTimeoutSec { get; init; } = 10;

    /// <summary>Least level written to the log. Default Information.</summary>
    public OpsLogLevel LogLevel { get; init; } = OpsLogLevel.Information;

    /// <summary>Also write the JSON log lines to standard output. Default false.</summary>
    public bool LogToConsole { get; init; }
}
