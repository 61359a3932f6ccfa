namespace OpsAutomation.Models.Health;

/// <summary>The outcome of one health check, after every retry.</summary>
/// <remarks>
/// Property names match the parameters of the cmdlets that consume results, so a result binds
/// by property name further down a pipeline.
/// </remarks>
public sealed record HealthCheckResult
{
    /// <summary>The service name from the catalog, or the target when no name was given.</summary>
    public required string Name { get; init; }

    /// <summary>How the target was probed.</summary>
    public required HealthCheckKind Kind { get; init; }

    /// <summary>What was probed: a URI, host:port or host name; credentials in it are redacted.</summary>
    public required string Target { get; init; }

    /// <summary>The final verdict.</summary>
    public required HealthStatus Status { get; init; }

    /// <summary>The HTTP status code of the last attempt, when an HTTP response arrived.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The duration of the last attempt.</summary>
    public TimeSpan ResponseTime { get; init; }

    /// <summary>How many attempts were made (1 when the first one decided).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>The verdict of the first attempt, to tell a flaky service from a steady one.</summary>
    public HealthStatus FirstAttemptStatus { get; init; }

    /// <summary>Why the final attempt was not healthy.</summary>
    public HealthErrorKind ErrorKind { get; init; }

    /// <summary>A one-line reason for a status other than Healthy; null when healthy.</summary>
    public string? Error { get; init; }

    /// <summary>The id of the invocation that produced this result; it ties logs, metrics and history together.</summary>
    public required string RunId { get; init; }

    /// <summary>When the check finished.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The catalog's severity of the service, carried to alerts and reports.</summary>
    public HealthSeverity Severity { get; init; } = HealthSeverity.Warning;

    /// <summary>The catalog's owner of the service.</summary>
    public string? Owner { get; init; }

    /// <summary>The catalog's tags of the service.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>When the status is CircuitOpen: the earliest time the target is probed again.</summary>
    public DateTimeOffset? NextProbeAt { get; init; }

    /// <summary>Check-specific facts (resolved addresses, certificate expiry, response headers...).</summary>
    public IReadOnlyDictionary<string, object?> Details { get; init; } = EmptyDetails;

    private static readonly IReadOnlyDictionary<string, object?> EmptyDetails =
        new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Status}";
}
