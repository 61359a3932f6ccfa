using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>Summarises a service's history over a window: availability, percentiles, the longest outage and SLO figures.</summary>
public static class HealthTrends
{
    /// <param name="results">One service's results in the window, in any order.</param>
    /// <param name="sloTargetPercent">An availability objective such as 99.9; null for none.</param>
    public static HealthSummary Summarize(string name, IEnumerable<HealthCheckResult> results, DateTimeOffset from, DateTimeOffset to, double? sloTargetPercent)
    {
        if (sloTargetPercent is <= 0 or >= 100)
            throw new ArgumentOutOfRangeException(nameof(sloTargetPercent), sloTargetPercent, "An SLO target is a percentage above 0 and below 100, such as 99.9.");
        var ordered = results.OrderBy(r => r.Timestamp).ToList();
        var failures = ordered.Count(r => IsFailure(r.Status));
        // A skipped check (circuit open) took no time: it has no place among response times.
        var times = ordered.Where(r => r.Status != HealthStatus.CircuitOpen).Select(r => r.ResponseTime.TotalMilliseconds).Order().ToArray();
        var availability = ordered.Count == 0 ? 0 : 100.0 * (ordered.Count - failures) / ordered.Count;

        double? burnRate = null, budgetLeft = null;
        if (sloTargetPercent is { } slo && ordered.Count > 0)
        {
            var allowed = 1 - slo / 100;
            burnRate = ((double)failures / ordered.Count) / allowed;
            budgetLeft = 100 * (1 - burnRate.Value);
        }

        return new HealthSummary
        {
            Name = name,
            From = from,
            To = to,
            Checks = ordered.Count,
            Failures = failures,
            Degraded = ordered.Count(r => r.Status == HealthStatus.Degraded),
            AvailabilityPercent = availability,
            P50Ms = Percentile(times, 0.50),
            P95Ms = Percentile(times, 0.95),
            P99Ms = Percentile(times, 0.99),
            LongestOutage = LongestOutage(ordered, to),
            LastStatus = ordered.Count == 0 ? HealthStatus.Unreachable : ordered[^1].Status,
            LastChecked = ordered.Count == 0 ? default : ordered[^1].Timestamp,
            SloTargetPercent = sloTargetPercent,
            ErrorBudgetRemainingPercent = budgetLeft,
            BurnRate = burnRate,
        };
    }

    public static bool IsFailure(HealthStatus status) => status is HealthStatus.Unhealthy or HealthStatus.Unreachable or HealthStatus.CircuitOpen;

    /// <summary>
    /// The verdict of several results as a person says it: the worst status, where an open
    /// circuit counts as what it is, a service that is down (Unhealthy): it failed until its
    /// circuit opened. Healthy when there are none.
    /// </summary>
    public static HealthStatus Overall(IEnumerable<HealthStatus> statuses) =>
        statuses.Select(s => s == HealthStatus.CircuitOpen ? HealthStatus.Unhealthy : s).DefaultIfEmpty(HealthStatus.Healthy).Max();

    /// <summary>Nearest-rank percentile of sorted values; 0 when there are none.</summary>
    internal static double Percentile(double[] sorted, double quantile)
    {
        if (sorted.Length == 0) return 0;
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static TimeSpan LongestOutage(List<HealthCheckResult> ordered, DateTimeOffset end)
    {
        var longest = TimeSpan.Zero;
        DateTimeOffset? outageStart = null;
        foreach (var result in ordered)
        {
            if (IsFailure(result.Status))
            {
                outageStart ??= result.Timestamp;
            }
            else if (outageStart is { } start)
            {
                longest = Max(longest, result.Timestamp - start);
                outageStart = null;
            }
        }
        if (outageStart is { } open) longest = Max(longest, end - open);
        return longest;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
