namespace OpsAutomation.Models.Health;

/// <summary>One service's history over a report's window, in equal time buckets: what the report's trend charts draw.</summary>
public sealed record HealthTrendSeries
{
    /// <summary>The service name.</summary>
    public required string Name { get; init; }

    /// <summary>The start of the window, and of the first bucket.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>The end of the window; the last bucket ends here.</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>The span of each bucket: a round duration chosen so a window has at most 120 buckets.</summary>
    public TimeSpan BucketSize { get; init; }

    /// <summary>Every bucket of the window in time order, empty ones (no checks) included.</summary>
    public IReadOnlyList<HealthTrendBucket> Buckets { get; init; } = [];
}

/// <summary>The checks of one service within one time bucket of a <see cref="HealthTrendSeries"/>.</summary>
public sealed record HealthTrendBucket
{
    /// <summary>The bucket's start (inclusive).</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>The bucket's end (exclusive, except for the window's last bucket).</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>Checks in the bucket.</summary>
    public int Checks { get; init; }

    /// <summary>Checks that failed: Unhealthy, Unreachable or CircuitOpen.</summary>
    public int Failures { get; init; }

    /// <summary>Checks that were Degraded.</summary>
    public int Degraded { get; init; }

    /// <summary>The worst status of the bucket's checks; null when it has none.</summary>
    public HealthStatus? WorstStatus { get; init; }

    /// <summary>Median response time of the bucket's probed checks in milliseconds; null when none was probed.</summary>
    public double? P50Ms { get; init; }

    /// <summary>95th percentile response time in milliseconds; null when none was probed.</summary>
    public double? P95Ms { get; init; }

    /// <summary>99th percentile response time in milliseconds; null when none was probed.</summary>
    public double? P99Ms { get; init; }

    /// <summary>
    /// The error budget left at the bucket's end, in percent, when an SLO target was given: the
    /// budget is the failures the target allows over all the window's checks, and each failure
    /// from the window's start up to this bucket spends it, so the series only goes down and ends
    /// at the summary's <see cref="HealthSummary.ErrorBudgetRemainingPercent"/>; negative when overspent.
    /// </summary>
    public double? ErrorBudgetRemainingPercent { get; init; }
}
