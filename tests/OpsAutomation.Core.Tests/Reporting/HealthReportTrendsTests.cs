using OpsAutomation.Core.Reporting;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using static OpsAutomation.Core.Tests.Reporting.ReportSamples;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed class HealthReportTrendsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Summarises_each_service_over_the_window_only()
    {
        var history = new HealthHistoryStore(await StateStore.OpenAsync(_dir.Path, CancellationToken.None));
        await history.AppendAsync(
        [
            Result("api", HealthStatus.Unhealthy) with { Timestamp = Now.AddHours(-30) }, // before the window
            Result("api", HealthStatus.Healthy) with { Timestamp = Now.AddHours(-3) },
            Result("api", HealthStatus.Unreachable) with { Timestamp = Now.AddHours(-2) },
            Result("api", HealthStatus.Healthy) with { Timestamp = Now.AddHours(-1) },
            Result("api", HealthStatus.Healthy) with { Timestamp = Now.AddMinutes(-1) },
            Result("web", HealthStatus.Healthy) with { Timestamp = Now.AddMinutes(-1) },
        ], CancellationToken.None);

        var trends = await HealthReportTrends.ReadAsync(history, ["api", "api", "web"], Now, TimeSpan.FromHours(24), 99, CancellationToken.None);

        Assert.Equal(["api", "web"], trends.Summaries.Select(t => t.Name));
        Assert.Equal(["api", "web"], trends.Series.Select(t => t.Name));
        var api = trends.Summaries[0];
        Assert.Equal((4, 1, 75.0), (api.Checks, api.Failures, api.AvailabilityPercent));
        Assert.Equal(TimeSpan.FromHours(1), api.LongestOutage);
        Assert.Equal(Now.AddHours(-24), api.From);
        Assert.Equal(99, api.SloTargetPercent);
        Assert.Equal(25, api.BurnRate!.Value, 6);
        var buckets = trends.Series[0].Buckets;
        Assert.Equal(4, buckets.Sum(b => b.Checks));
        Assert.Equal(api.ErrorBudgetRemainingPercent!.Value, buckets[^1].ErrorBudgetRemainingPercent!.Value, 6);
    }

    [Fact]
    public async Task A_service_without_history_in_the_window_has_no_trend()
    {
        var history = new HealthHistoryStore(await StateStore.OpenAsync(_dir.Path, CancellationToken.None));
        await history.AppendAsync([Result("old", HealthStatus.Healthy) with { Timestamp = Now.AddDays(-3) }], CancellationToken.None);

        var trends = await HealthReportTrends.ReadAsync(history, ["old", "never"], Now, TimeSpan.FromHours(24), null, CancellationToken.None);

        Assert.Empty(trends.Summaries);
        Assert.Empty(trends.Series);
    }
}
