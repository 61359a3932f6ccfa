using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Reporting.Charts;
using OpsAutomation.Core.Reporting.Site;
using OpsAutomation.Core.Tests.Reporting.Charts;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Reporting.Site;

public sealed class SiteChartsTests
{
    private static RolloutDetail Rollout(string name, params (int Seconds, int Ready)[] samples) => new(name, "Complete", 1, "", [.. samples.Select(s =>
        new RolloutSample { Timestamp = ChartSvg.T0.AddSeconds(s.Seconds), Desired = 3, Updated = 3, Ready = s.Ready, Available = s.Ready })]);

    private static List<string?> SeriesNames(LineChart chart) =>
        [.. ChartSvg.Parse(chart.Render()).WithClass("series").Where(e => e.Attribute("data-name") is not null).Select(e => (string?)e.Attribute("data-name"))];

    [Fact]
    public void One_deployments_rollout_shows_its_four_counts()
    {
        var chart = SiteCharts.Replicas("r", [Rollout("web", (0, 0), (2, 3))]);

        Assert.Equal(["desired", "updated", "ready", "available"], SeriesNames(chart));
    }

    [Fact]
    public void A_canary_beside_its_stable_shows_the_ready_pods_of_each_so_the_legend_names_every_series()
    {
        var chart = SiteCharts.Replicas("r", [Rollout("web-canary", (0, 0), (2, 1)), Rollout("web", (0, 3), (4, 3))]);

        Assert.Equal(["web-canary ready", "web ready"], SeriesNames(chart));
        var legend = ChartSvg.Parse(chart.Render()).WithClass("legend").Single().Descendants(ChartSvg.Ns + "text").Select(t => t.Value).ToList();
        Assert.Equal(["web-canary ready", "web ready"], legend);
    }
}
