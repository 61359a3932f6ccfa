namespace OpsAutomation.Core.Logging;

/// <summary>Where one invocation's log lines go.</summary>
public sealed record OpsLogOptions
{
    /// <summary>The folder of the daily rolling JSON file; null for no file.</summary>
    public string? Directory { get; init; }

    /// <summary>Days of files kept. Default 14.</summary>
    public int RetainedDays { get; init; } = 14;

    /// <summary>Least level written. Default Information.</summary>
    public OpsLogLevel MinimumLevel { get; init; } = OpsLogLevel.Information;

    /// <summary>Receives every JSON line as well (standard output on request); null for none.</summary>
    public Action<string>? Console { get; init; }

    /// <summary>Receives the readable message of every event (the PowerShell verbose stream); null for none.</summary>
    public Action<string>? Verbose { get; init; }
}
