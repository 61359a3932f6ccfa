using OpsAutomation.Core.Reporting.Charts;
using static OpsAutomation.Core.Tests.Reporting.Charts.ChartSvg;

namespace OpsAutomation.Core.Tests.Reporting.Charts;

public sealed class StatusTimelineChartTests
{
    private static StatusSegment Segment(int fromMinute, int toMinute, string state) => new(T0.AddMinutes(fromMinute), T0.AddMinutes(toMinute), state);

    [Fact]
    public void Each_label_is_a_lane_and_segments_span_their_times()
    {
        var svg = Parse(new StatusTimelineChart
        {
            Title = "status",
            From = T0,
            To = T0.AddMinutes(60),
            Lanes =
            [
                new StatusLane("api", [Segment(30, 60, "Unhealthy"), Segment(0, 30, "Healthy")]),
                new StatusLane("db", [Segment(0, 15, "Healthy"), Segment(15, 60, "Degraded")]),
            ],
        }.Render());

        var lanes = svg.WithClass("lane").ToList();
        Assert.Equal(["api", "db"], lanes.Select(l => (string?)l.Attribute("data-label")));
        var api = lanes[0].WithClass("segment").ToList();
        Assert.Equal(["mark segment st-healthy", "mark segment st-unhealthy"], api.Select(s => (string?)s.Attribute("class")));
        Assert.Equal(api[0].Number("width"), api[1].Number("width"), 2);
        Assert.Equal(api[0].Number("x") + api[0].Number("width"), api[1].Number("x"), 2);
        var db = lanes[1].WithClass("segment").ToList();
        Assert.InRange(db[1].Number("width") - 3 * db[0].Number("width"), -0.05, 0.05);
        Assert.True(db[0].Number("y") > api[0].Number("y"));
        Assert.Equal("api: Unhealthy from 2025-03-14 09:30:00 UTC to 2025-03-14 10:00:00 UTC", api[1].TitleOf());
    }

    [Fact]
    public void The_legend_names_each_state_once()
    {
        var svg = Parse(new StatusTimelineChart
        {
            Title = "status",
            Lanes = [new StatusLane("a", [Segment(0, 1, "Healthy"), Segment(1, 2, "Unhealthy")]), new StatusLane("b", [Segment(0, 2, "Healthy")])],
        }.Render());

        Assert.Equal(["Healthy", "Unhealthy"], svg.Descendants(Ns + "g").Where(g => g.Parent?.Attribute("class")?.Value == "legend").Select(g => g.Value));
    }

    [Fact]
    public void Segments_are_cut_to_the_window()
    {
        var svg = Parse(new StatusTimelineChart
        {
            Title = "status", From = T0, To = T0.AddMinutes(10),
            Lanes = [new StatusLane("a", [Segment(-30, -20, "Failed"), Segment(-5, 5, "Healthy"), Segment(5, 20, "Degraded")])],
        }.Render());

        var segments = svg.WithClass("segment").ToList();
        Assert.Equal(2, segments.Count);
        Assert.Equal(150, segments[0].Number("x"), 2);
        Assert.Equal(800 - 12, segments[1].Number("x") + segments[1].Number("width"), 2);
    }

    [Fact]
    public void Hostile_labels_and_states_are_text()
    {
        var rendered = new StatusTimelineChart
        {
            Title = "<script>x</script>",
            Lanes = [new StatusLane("<img src=x onerror=alert(1)>\"'", [new StatusSegment(T0, T0.AddMinutes(1), "\"><script>") { Title = "<b>" }])],
        }.Render();
        var svg = Parse(rendered);

        Assert.DoesNotContain("<script", rendered, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", rendered, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("<img src=x onerror=alert(1)>\"'", (string?)svg.WithClass("lane").Single().Attribute("data-label"));
        Assert.Equal("mark segment st----script-", (string?)svg.WithClass("segment").Single().Attribute("class"));
        Assert.Equal("<b>", svg.WithClass("segment").Single().TitleOf());
    }

    [Fact]
    public void Lanes_beyond_the_cap_are_counted_in_a_note()
    {
        var lanes = Enumerable.Range(0, StatusTimelineChart.MaxLanes + 5).Select(i => new StatusLane("s" + i, [Segment(0, 1, "Healthy")])).ToList();
        var svg = Parse(new StatusTimelineChart { Title = "t", Lanes = lanes }.Render());

        Assert.Equal(StatusTimelineChart.MaxLanes, svg.WithClass("lane").Count());
        Assert.Contains(svg.WithClass("note"), t => t.Value == "5 more not shown.");
    }

    [Fact]
    public void Neighbours_in_one_state_are_joined()
    {
        var svg = Parse(new StatusTimelineChart
        {
            Title = "t", Lanes = [new StatusLane("a", [.. Enumerable.Range(0, 50).Select(i => Segment(i, i + 1, "Healthy")), Segment(50, 51, "Unhealthy")])],
        }.Render());

        Assert.Equal(["mark segment st-healthy", "mark segment st-unhealthy"], svg.WithClass("segment").Select(s => (string?)s.Attribute("class")));
    }

    [Fact]
    public void Too_many_segments_are_merged_under_the_cap_and_a_ranked_outage_survives()
    {
        var segments = Enumerable.Range(0, 5_000)
            .Select(i => i == 3_333 ? Segment(i, i + 1, "Unreachable") with { Rank = 5 } : Segment(i, i + 1, i % 2 == 0 ? "Healthy" : "Degraded") with { Rank = i % 2 })
            .ToList();
        var svg = Parse(new StatusTimelineChart { Title = "t", Lanes = [new StatusLane("a", segments)] }.Render());

        var drawn = svg.WithClass("segment").ToList();
        Assert.InRange(drawn.Count, 1, StatusTimelineChart.MaxSegmentsPerLane);
        Assert.Single(drawn, s => s.Attribute("class")!.Value.EndsWith("st-unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public void No_segments_say_so()
    {
        var svg = Parse(new StatusTimelineChart { Title = "status", Lanes = [new StatusLane("a", [])] }.Render());

        Assert.Empty(svg.WithClass("mark"));
        Assert.Equal("status: no data", (string?)svg.Attribute("aria-label"));
    }

    [Fact]
    public void An_instant_is_still_visible()
    {
        var svg = Parse(new StatusTimelineChart { Title = "t", From = T0, To = T0.AddHours(1), Lanes = [new StatusLane("a", [Segment(10, 10, "Failed")])] }.Render());

        Assert.Equal(1, svg.WithClass("segment").Single().Number("width"));
    }
}
