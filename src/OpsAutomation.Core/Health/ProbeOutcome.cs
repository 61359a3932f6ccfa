using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>What one attempt found.</summary>
internal sealed record ProbeOutcome(HealthStatus Status, HealthErrorKind ErrorKind = HealthErrorKind.None, string? Error = null)
{
    public int? StatusCode { get; init; }

    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// For a check that covers several objects (the workloads of a namespace): one outcome each,
    /// reported as results named <c>check/part</c>. This outcome is then their worst.
    /// </summary>
    public IReadOnlyList<(string Name, ProbeOutcome Outcome)>? Parts { get; init; }

    public static ProbeOutcome Healthy() => new(HealthStatus.Healthy);

    /// <summary>Worth another attempt: the service failed, rather than answered slowly.</summary>
    public bool IsFailure => Status is HealthStatus.Unhealthy or HealthStatus.Unreachable;
}
