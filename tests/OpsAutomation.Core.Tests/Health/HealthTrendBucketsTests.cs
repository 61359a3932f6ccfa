using OpsAutomation.Core.Health;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>The buckets the report's charts draw, computed by hand over small histories.</summary>
public sealed class HealthTrendBucketsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    private static HealthCheckResult Result(HealthStatus status, double minute, double ms = 10) => new()
    {
        Name = "svc", Kind = HealthCheckKind.Http, Target = "http://127.0.0.1/", RunId = "run-1", Status = status, ResponseTime = TimeSpan.FromMilliseconds(ms), Timestamp = Start.AddMinutes(minute),
    };

    [Theory]
    [InlineData(5, 5)]          // 5 min / 120 = 2.5 s -> 5 s
    [InlineData(60, 30)]        // 1 h -> 30 s, 120 buckets
    [InlineData(1440, 900)]     // 1 d -> 15 min, 96 buckets
    [InlineData(10080, 7200)]   // 7 d -> 2 h, 84 buckets
    [InlineData(43200, 21600)]  // 30 d -> 6 h, 120 buckets
    [InlineData(525600, 345600)] // a year -> whole days beyond the list: 4 d
    public void The_bucket_size_is_round_and_keeps_at_most_120_buckets(int windowMinutes, int expectedSeconds)
    {
        var window = TimeSpan.FromMinutes(windowMinutes);
        var size = HealthTrendBuckets.BucketSize(window);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), size);
        Assert.InRange(Math.Ceiling(window / size), 1, HealthTrendBuckets.MaxBuckets);
    }

    [Fact]
    public void Each_bucket_counts_its_checks_with_the_worst_status_and_percentiles()
    {
        // A 1 h window has 30 s buckets: minute 0.0 and 0.25 share the first, 0.5 is the second.
        var series = HealthTrendBuckets.Bucketize("svc",
        [
            Result(HealthStatus.Healthy, 0, ms: 10), Result(HealthStatus.Degraded, 0.25, ms: 30),
            Result(HealthStatus.Unreachable, 0.5, ms: 5), Result(HealthStatus.CircuitOpen, 0.6, ms: 0),
            Result(HealthStatus.Healthy, -1), Result(HealthStatus.Healthy, 61), // outside the window
        ], Start, Start.AddHours(1), sloTargetPercent: null);

        Assert.Equal(120, series.Buckets.Count);
        Assert.Equal(TimeSpan.FromSeconds(30), series.BucketSize);
        var (first, second) = (series.Buckets[0], series.Buckets[1]);
        Assert.Equal((2, 0, 1, HealthStatus.Degraded), (first.Checks, first.Failures, first.Degraded, first.WorstStatus));
        Assert.Equal((10.0, 30.0, 30.0), (first.P50Ms, first.P95Ms, first.P99Ms));
        Assert.Equal((2, 2, HealthStatus.CircuitOpen), (second.Checks, second.Failures, second.WorstStatus));
        // The circuit-open check took no time: only the probed one counts.
        Assert.Equal(5, second.P99Ms);
        Assert.Equal((Start.AddSeconds(30), Start.AddSeconds(60)), (second.Start, second.End));
        Assert.All(series.Buckets.Skip(2), b => Assert.Equal((0, (HealthStatus?)null, (double?)null), (b.Checks, b.WorstStatus, b.P50Ms)));
        Assert.All(series.Buckets, b => Assert.Null(b.ErrorBudgetRemainingPercent));
    }

    [Fact]
    public void The_window_s_last_instant_falls_into_the_last_bucket_which_ends_at_the_window()
    {
        var series = HealthTrendBuckets.Bucketize("svc", [Result(HealthStatus.Unhealthy, 60)], Start, Start.AddHours(1), null);

        Assert.Equal(1, series.Buckets[^1].Checks);
        Assert.Equal(Start.AddHours(1), series.Buckets[^1].End);
    }

    [Fact]
    public void The_budget_burns_down_with_each_failure_and_ends_at_the_summary_s_figure()
    {
        // 10 checks over 10 minutes with a 90% objective: one failure allowed; two happen, at minutes 3 and 7.
        var results = Enumerable.Range(0, 10).Select(i => Result(i is 3 or 7 ? HealthStatus.Unhealthy : HealthStatus.Healthy, i)).ToList();

        var series = HealthTrendBuckets.Bucketize("svc", results, Start, Start.AddMinutes(10), 90);
        var summary = HealthTrends.Summarize("svc", results, Start, Start.AddMinutes(10), 90);

        var budget = series.Buckets.Select(b => b.ErrorBudgetRemainingPercent!.Value).ToList();
        Assert.Equal(100, budget[0], 6);
        Assert.Equal(0, budget[series.Buckets.ToList().FindIndex(b => b.Start >= Start.AddMinutes(3.5))], 6);
        Assert.Equal(-100, budget[^1], 6);
        Assert.Equal(summary.ErrorBudgetRemainingPercent!.Value, budget[^1], 6);
        Assert.Equal(budget.OrderDescending(), budget);
    }

    [Fact]
    public void An_slo_of_100_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HealthTrendBuckets.Bucketize("svc", [], Start, Start.AddHours(1), 100));
    }
}
