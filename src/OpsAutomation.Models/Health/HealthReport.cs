namespace OpsAutomation.Models.Health;

/// <summary>One run's health results, with counts, the overall verdict and optional trends: what a health report shows.</summary>
public sealed record HealthReport
{
    /// <summary>The report's heading.</summary>
    public required string Title { get; init; }

    /// <summary>When the report was built.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The distinct run ids of the results, in order of first appearance.</summary>
    public IReadOnlyList<string> RunIds { get; init; } = [];

    /// <summary>The worst status among the results, an open circuit counting as Unhealthy (a service that is down): Healthy, Degraded, Unhealthy or Unreachable.</summary>
    public HealthStatus OverallStatus { get; init; }

    /// <summary>How many results the report holds.</summary>
    public int Total { get; init; }

    /// <summary>Results that were Healthy.</summary>
    public int Healthy { get; init; }

    /// <summary>Results that were Degraded.</summary>
    public int Degraded { get; init; }

    /// <summary>Results that were Unhealthy.</summary>
    public int Unhealthy { get; init; }

    /// <summary>Results that were Unreachable.</summary>
    public int Unreachable { get; init; }

    /// <summary>Results that were not probed because their circuit was open.</summary>
    public int CircuitOpen { get; init; }

    /// <summary>The results, worst status first, then by name.</summary>
    public IReadOnlyList<HealthCheckResult> Results { get; init; } = [];

    /// <summary>Each reported service's summary over <see cref="TrendWindow"/>; empty when no window was asked for.</summary>
    public IReadOnlyList<HealthSummary> Trends { get; init; } = [];

    /// <summary>Each reported service's history over <see cref="TrendWindow"/> in time buckets, for the trend charts; empty when no window was asked for.</summary>
    public IReadOnlyList<HealthTrendSeries> TrendSeries { get; init; } = [];

    /// <summary>The span of history the trends cover, when trends were asked for.</summary>
    public TimeSpan? TrendWindow { get; init; }

    /// <summary>The availability objective in percent the trends are measured against, when one was given.</summary>
    public double? SloTargetPercent { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Title}: {OverallStatus} ({Total} services)";
}
