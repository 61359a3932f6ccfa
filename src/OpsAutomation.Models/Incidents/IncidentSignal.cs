using OpsAutomation.Models.Health;

namespace OpsAutomation.Models.Incidents;

/// <summary>
/// One observation that something is wrong (or right again) with a service: the common shape the
/// incident engine makes of a health result, an alert, a deployment, a pipeline run or an anomaly.
/// </summary>
public sealed record IncidentSignal
{
    /// <summary>What raised it.</summary>
    public required IncidentSignalKind Kind { get; init; }

    /// <summary>
    /// The stable identity of the problem (such as <c>health:checkout</c> or
    /// <c>rule:HighErrorRate{service="checkout"}</c>): signals with one fingerprint belong to one incident.
    /// </summary>
    public required string Fingerprint { get; init; }

    /// <summary>The service it is about, as the service catalog names it.</summary>
    public required string Service { get; init; }

    /// <summary>True when it reports a problem; false when it reports the problem gone.</summary>
    public required bool Firing { get; init; }

    /// <summary>How much it matters.</summary>
    public HealthSeverity Severity { get; init; } = HealthSeverity.Warning;

    /// <summary>One line for people: what is wrong where.</summary>
    public required string Summary { get; init; }

    /// <summary>The run of the cmdlet that emitted it, or the deployment or pipeline run id; null by hand.</summary>
    public string? RunId { get; init; }

    /// <summary>Facts worth keeping (status code, error kind, value, revision), already redacted.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    /// <summary>When it was observed.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Fingerprint}: {(Firing ? "firing" : "clear")}";
}
