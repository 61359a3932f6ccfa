using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>What one attempt found.</summary>
internal sealed record ProbeOutcome(HealthStatus Status, HealthErrorKind ErrorKind = HealthErrorKind.None, string? Error = null)
{
    public int? StatusCode { get; init; }

    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);

    public static ProbeOutcome Healthy() => new(HealthStatus.Healthy);

    /// <summary>Worth another attempt: the service failed, rather than answered slowly.</summary>
    public bool IsFailure => Status is HealthStatus.Unhealthy or HealthStatus.Unreachable;
}
