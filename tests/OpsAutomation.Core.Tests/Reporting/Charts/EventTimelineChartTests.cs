using OpsAutomation.Core.Reporting.Charts;
using static OpsAutomation.Core.Tests.Reporting.Charts.ChartSvg;

namespace OpsAutomation.Core.Tests.Reporting.Charts;

public sealed class EventTimelineChartTests
{
    [Fact]
    public void Markers_sit_on_the_axis_in_time_order_and_milestones_stand_out()
    {
        var svg = Parse(new EventTimelineChart
        {
            Title = "incident",
            Events =
            [
                new ChartEvent(T0.AddMinutes(30), "Resolved") { Emphasized = true, Kind = "resolved" },
                new ChartEvent(T0, "Detected") { Emphasized = true, Kind = "open" },
                new ChartEvent(T0.AddMinutes(5), "Note added") { Detail = "by alice" },
            ],
        }.Render());

        var events = svg.WithClass("event").OrderBy(e => e.WithClass("marker").Single().Number("cx")).ToList();
        Assert.Equal(["event key st-open", "event", "event key st-resolved"], events.Select(e => (string?)e.Attribute("class")));
        var markers = events.Select(e => e.WithClass("marker").Single()).ToList();
        Assert.Single(markers.Select(m => m.Number("cy")).Distinct());
        Assert.Equal([6.0, 4.0, 6.0], markers.Select(m => m.Number("r")));
        Assert.Equal(markers[0].Number("cx") + (markers[2].Number("cx") - markers[0].Number("cx")) / 6, markers[1].Number("cx"), 2);
        Assert.Equal("2025-03-14 09:05:00 UTC: Note added - by alice", markers[1].TitleOf());
        Assert.Equal(["Detected", "Note added", "Resolved"], events.Select(e => e.Element(Ns + "text")?.Value));
    }

    [Fact]
    public void Close_labels_go_to_separate_rows()
    {
        var svg = Parse(new EventTimelineChart
        {
            Title = "t", From = T0, To = T0.AddHours(1),
            Events = [new ChartEvent(T0.AddMinutes(10), "First long label"), new ChartEvent(T0.AddMinutes(11), "Second long label")],
        }.Render());

        var labels = svg.WithClass("event").Select(e => e.Element(Ns + "text")!).ToList();
        Assert.NotEqual(labels[0].Number("y"), labels[1].Number("y"));
    }

    [Fact]
    public void Hostile_labels_are_text_and_long_ones_are_shortened()
    {
        var hostile = "<script>alert('x')</script> and a very long tail of words";
        var rendered = new EventTimelineChart { Title = "t", Events = [new ChartEvent(T0, hostile) { Detail = "\"quoted\" & <b>" }] }.Render();
        var svg = Parse(rendered);

        Assert.DoesNotContain("<script", rendered, StringComparison.OrdinalIgnoreCase);
        var ev = svg.WithClass("event").Single();
        Assert.Equal(28, ev.Element(Ns + "text")!.Value.Length);
        Assert.Equal($"2025-03-14 09:00:00 UTC: {hostile} - \"quoted\" & <b>", ev.WithClass("marker").Single().TitleOf());
    }

    [Fact]
    public void Beyond_the_cap_every_milestone_is_kept()
    {
        var events = Enumerable.Range(0, 1_000).Select(i => new ChartEvent(T0.AddSeconds(i), "e" + i) { Emphasized = i % 100 == 0 }).ToList();
        var svg = Parse(new EventTimelineChart { Title = "t", Events = events }.Render());

        Assert.Equal(EventTimelineChart.MaxEvents, svg.WithClass("event").Count());
        Assert.Equal(10, svg.WithClass("key").Count());
        Assert.Contains(svg.WithClass("note"), t => t.Value == "800 more events not shown.");
    }

    [Fact]
    public void One_event_and_no_events_render()
    {
        Assert.Single(Parse(new EventTimelineChart { Title = "t", Events = [new ChartEvent(T0, "only")] }.Render()).WithClass("event"));
        Assert.Equal("t: no events", (string?)Parse(new EventTimelineChart { Title = "t" }.Render()).Attribute("aria-label"));
    }
}
