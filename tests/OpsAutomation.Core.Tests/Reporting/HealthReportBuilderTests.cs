using OpsAutomation.Core.Reporting;
using OpsAutomation.Models.Health;
using static OpsAutomation.Core.Tests.Reporting.ReportSamples;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed class HealthReportBuilderTests
{
    [Fact]
    public void Results_are_sorted_worst_status_first_then_by_name()
    {
        var report = Report();
        Assert.Equal(WorstFirst, report.Results.Select(r => r.Name));
    }

    [Fact]
    public void Counts_each_status_and_the_total()
    {
        var report = Report();
        Assert.Equal((6, 2, 1, 1, 1, 1), (report.Total, report.Healthy, report.Degraded, report.Unhealthy, report.Unreachable, report.CircuitOpen));
    }

    [Theory]
    [InlineData(new[] { HealthStatus.Healthy, HealthStatus.Healthy }, HealthStatus.Healthy)]
    [InlineData(new[] { HealthStatus.Healthy, HealthStatus.Degraded }, HealthStatus.Degraded)]
    [InlineData(new[] { HealthStatus.Unreachable, HealthStatus.Degraded, HealthStatus.Unhealthy }, HealthStatus.Unreachable)]
    public void The_overall_status_is_the_worst_one(HealthStatus[] statuses, HealthStatus overall)
    {
        var report = HealthReportBuilder.Build("t", Now, statuses.Select((s, i) => Result($"svc{i}", s)));
        Assert.Equal(overall, report.OverallStatus);
    }

    [Theory]
    [InlineData(new[] { HealthStatus.Healthy, HealthStatus.CircuitOpen }, HealthStatus.Unhealthy)]
    [InlineData(new[] { HealthStatus.CircuitOpen, HealthStatus.CircuitOpen }, HealthStatus.Unhealthy)]
    [InlineData(new[] { HealthStatus.Degraded, HealthStatus.CircuitOpen }, HealthStatus.Unhealthy)]
    [InlineData(new[] { HealthStatus.Unreachable, HealthStatus.CircuitOpen }, HealthStatus.Unreachable)]
    public void An_open_circuit_is_a_service_that_is_down(HealthStatus[] statuses, HealthStatus overall)
    {
        var report = HealthReportBuilder.Build("t", Now, statuses.Select((s, i) => Result($"svc{i}", s)));
        Assert.Equal(overall, report.OverallStatus);
    }

    [Fact]
    public void Run_ids_are_distinct()
    {
        Assert.Equal(["run-1", "run-2"], Report().RunIds.Order());
    }

    [Fact]
    public void Trends_are_sorted_least_available_first_and_keep_the_window_and_slo()
    {
        var report = Report();
        Assert.Equal(["api", "web"], report.Trends.Select(t => t.Name));
        Assert.Equal(TimeSpan.FromHours(24), report.TrendWindow);
        Assert.Equal(99.9, report.SloTargetPercent);
    }

    [Fact]
    public void A_report_without_results_is_refused()
    {
        Assert.Throws<ArgumentException>(() => HealthReportBuilder.Build("t", Now, []));
    }
}
