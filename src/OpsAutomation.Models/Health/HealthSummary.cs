namespace OpsAutomation.Models.Health;

/// <summary>One service's health over a window of its history: availability, latency percentiles, outages and SLO figures.</summary>
public sealed record HealthSummary
{
    /// <summary>The service name.</summary>
    public required string Name { get; init; }

    /// <summary>The start of the window.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>The end of the window.</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Checks in the window.</summary>
    public int Checks { get; init; }

    /// <summary>Checks that failed: Unhealthy, Unreachable or CircuitOpen.</summary>
    public int Failures { get; init; }

    /// <summary>Checks that were Degraded.</summary>
    public int Degraded { get; init; }

    /// <summary>The share of checks that did not fail, in percent.</summary>
    public double AvailabilityPercent { get; init; }

    /// <summary>Median response time of the probed checks, in milliseconds.</summary>
    public double P50Ms { get; init; }

    /// <summary>95th percentile response time, in milliseconds.</summary>
    public double P95Ms { get; init; }

    /// <summary>99th percentile response time, in milliseconds.</summary>
    public double P99Ms { get; init; }

    /// <summary>The longest run of failed checks, from its first failure to the next good check (or the end of the window).</summary>
    public TimeSpan LongestOutage { get; init; }

    /// <summary>The status of the newest check in the window.</summary>
    public HealthStatus LastStatus { get; init; }

    /// <summary>When the newest check ran.</summary>
    public DateTimeOffset LastChecked { get; init; }

    /// <summary>The availability objective in percent (such as 99.9), when one was given.</summary>
    public double? SloTargetPercent { get; init; }

    /// <summary>The error budget left over the window, in percent of the budget; negative when overspent.</summary>
    public double? ErrorBudgetRemainingPercent { get; init; }

    /// <summary>How fast the budget burns: the failure rate over the rate the SLO allows (1 spends it exactly over the window).</summary>
    public double? BurnRate { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {AvailabilityPercent:0.###}% over {Checks} checks";
}
