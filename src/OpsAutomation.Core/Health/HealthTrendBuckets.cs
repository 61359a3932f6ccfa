using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>Cuts a service's history over a window into equal time buckets, each summarised for the report's charts.</summary>
public static class HealthTrendBuckets
{
    /// <summary>Buckets per window at most: enough for a smooth chart, few enough for a small page.</summary>
    public const int MaxBuckets = 120;

    private static readonly TimeSpan[] Sizes =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(1),
    ];

    /// <summary>The smallest round bucket size that cuts <paramref name="window"/> into at most <see cref="MaxBuckets"/> buckets.</summary>
    public static TimeSpan BucketSize(TimeSpan window)
    {
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "A trend window is a positive span of time.");
        var smallest = window / MaxBuckets;
        return Sizes.FirstOrDefault(s => s >= smallest, TimeSpan.FromDays(Math.Ceiling(smallest.TotalDays)));
    }

    /// <param name="name">The service.</param>
    /// <param name="results">The service's results, in any order; those outside [from, to] are ignored.</param>
    /// <param name="sloTargetPercent">An availability objective such as 99.9, for the budget burn-down; null for none.</param>
    public static HealthTrendSeries Bucketize(string name, IEnumerable<HealthCheckResult> results, DateTimeOffset from, DateTimeOffset to, double? sloTargetPercent)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (sloTargetPercent is <= 0 or >= 100)
            throw new ArgumentOutOfRangeException(nameof(sloTargetPercent), sloTargetPercent, "An SLO target is a percentage above 0 and below 100, such as 99.9.");
        var size = BucketSize(to - from);
        var count = (int)Math.Ceiling((to - from) / size);
        var inWindow = results.Where(r => r.Timestamp >= from && r.Timestamp <= to).ToList();
        // The window's last instant belongs to its last bucket.
        var byBucket = inWindow.ToLookup(r => Math.Min(count - 1, (int)((r.Timestamp - from) / size)));
        // The whole window's allowance of failures, spent bucket by bucket: a burn-down that ends where the summary's figure is.
        double? budget = sloTargetPercent is { } slo ? (1 - slo / 100) * inWindow.Count : null;
        var spent = 0;
        var buckets = new List<HealthTrendBucket>(count);
        for (var i = 0; i < count; i++)
        {
            var checks = byBucket[i].ToList();
            var failures = checks.Count(r => HealthTrends.IsFailure(r.Status));
            spent += failures;
            var times = checks.Where(r => r.Status != HealthStatus.CircuitOpen).Select(r => r.ResponseTime.TotalMilliseconds).Order().ToArray();
            var start = from + i * size;
            buckets.Add(new HealthTrendBucket
            {
                Start = start,
                End = i == count - 1 ? to : start + size,
                Checks = checks.Count,
                Failures = failures,
                Degraded = checks.Count(r => r.Status == HealthStatus.Degraded),
                WorstStatus = checks.Count == 0 ? null : checks.Max(r => r.Status),
                P50Ms = times.Length == 0 ? null : HealthTrends.Percentile(times, 0.50),
                P95Ms = times.Length == 0 ? null : HealthTrends.Percentile(times, 0.95),
                P99Ms = times.Length == 0 ? null : HealthTrends.Percentile(times, 0.99),
                ErrorBudgetRemainingPercent = budget is { } b && inWindow.Count > 0 ? 100 * (1 - spent / b) : null,
            });
        }
        return new HealthTrendSeries { Name = name, From = from, To = to, BucketSize = size, Buckets = buckets };
    }
}
