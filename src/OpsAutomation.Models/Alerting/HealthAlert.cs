using OpsAutomation.Models.Health;

namespace OpsAutomation.Models.Alerting;

/// <summary>What Send-HealthAlert decided for one service, and where it was delivered.</summary>
public sealed record HealthAlert
{
    /// <summary>The service the alert is about.</summary>
    public required string Name { get; init; }

    /// <summary>The alert's state after this evaluation.</summary>
    public required AlertState State { get; init; }

    /// <summary>True when the state changed in this evaluation (a new alert, or a resolution).</summary>
    public bool Changed { get; init; }

    /// <summary>The service's severity from the catalog.</summary>
    public HealthSeverity Severity { get; init; }

    /// <summary>The key every channel deduplicates on: one per service.</summary>
    public required string DedupKey { get; init; }

    /// <summary>The health status that led here.</summary>
    public HealthStatus Status { get; init; }

    /// <summary>Consecutive failures (firing) or successes (resolved) seen in the history.</summary>
    public int ConsecutiveCount { get; init; }

    /// <summary>Why: the failing check's reason, or "recovered".</summary>
    public string? Reason { get; init; }

    /// <summary>When the alert started firing.</summary>
    public DateTimeOffset? StartsAt { get; init; }

    /// <summary>Channels that accepted the notification.</summary>
    public IReadOnlyList<string> Delivered { get; init; } = [];

    /// <summary>Channels that refused it after retries, each with its reason.</summary>
    public IReadOnlyList<string> Failed { get; init; } = [];

    /// <summary>When the evaluation happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
