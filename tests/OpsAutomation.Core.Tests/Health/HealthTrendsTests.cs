using OpsAutomation.Core.Health;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>The figures of a summary, computed by hand over a small history.</summary>
public sealed class HealthTrendsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Availability_percentiles_and_the_longest_outage_follow_the_history()
    {
        // One check a minute: ok, fail, fail, ok (outage 2 min), ok, circuit open, fail (open until the end).
        var statuses = new[] { HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Unreachable, HealthStatus.Healthy,
            HealthStatus.Degraded, HealthStatus.CircuitOpen, HealthStatus.Unhealthy };
        var results = statuses.Select((s, i) => Result(s, minute: i, ms: (i + 1) * 10)).Reverse().ToList();

        var summary = HealthTrends.Summarize("svc", results, Start, Start.AddMinutes(10), sloTargetPercent: null);

        Assert.Equal(7, summary.Checks);
        Assert.Equal(4, summary.Failures);
        Assert.Equal(1, summary.Degraded);
        Assert.Equal(300.0 / 7, summary.AvailabilityPercent, 6);
        // Six probed checks (the circuit-open one took no time): 10, 20, 30, 40, 50, 70 ms.
        Assert.Equal(30, summary.P50Ms);
        Assert.Equal(70, summary.P95Ms);
        Assert.Equal(70, summary.P99Ms);
        Assert.Equal(TimeSpan.FromMinutes(5), summary.LongestOutage);
        Assert.Equal(HealthStatus.Unhealthy, summary.LastStatus);
        Assert.Null(summary.BurnRate);
    }

    [Fact]
    public void The_error_budget_and_burn_rate_compare_failures_with_what_the_slo_allows()
    {
        var results = Enumerable.Range(0, 1000).Select(i => Result(i < 2 ? HealthStatus.Unhealthy : HealthStatus.Healthy, i, 5)).ToList();
        var summary = HealthTrends.Summarize("svc", results, Start, Start.AddDays(1), sloTargetPercent: 99.9);
        // 0.2% failed where 0.1% is allowed: twice the sustainable rate, the budget overspent by 100%.
        Assert.Equal(2, summary.BurnRate!.Value, 6);
        Assert.Equal(-100, summary.ErrorBudgetRemainingPercent!.Value, 6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void An_slo_target_outside_0_to_100_is_refused(double target) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HealthTrends.Summarize("svc", [], Start, Start, target));

    private static HealthCheckResult Result(HealthStatus status, int minute, double ms) => new()
    {
        Name = "svc", Kind = HealthCheckKind.Http, Target = "http://svc/", Status = status, RunId = $"run-{minute}",
        Timestamp = Start.AddMinutes(minute), ResponseTime = TimeSpan.FromMilliseconds(ms),
    };
}
