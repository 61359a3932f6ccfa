using OpsAutomation.Core.Reporting.Charts;
using static OpsAutomation.Core.Tests.Reporting.Charts.ChartSvg;

namespace OpsAutomation.Core.Tests.Reporting.Charts;

public sealed class BarChartTests
{
    [Fact]
    public void A_larger_value_draws_a_longer_bar_from_the_same_origin()
    {
        var svg = Parse(new BarChart { Title = "records", Items = [new BarItem("orders", 300), new BarItem("users", 100)] }.Render());

        var bars = svg.WithClass("bar-value").ToList();
        Assert.Equal(["orders", "users"], svg.WithClass("bar").Select(b => (string?)b.Attribute("data-category")));
        Assert.Equal(bars[0].Number("x"), bars[1].Number("x"));
        Assert.InRange(bars[0].Number("width") - 3 * bars[1].Number("width"), -0.05, 0.05);
        Assert.True(bars[1].Number("y") > bars[0].Number("y"));
    }

    [Fact]
    public void A_stacked_value_starts_where_the_first_ends()
    {
        var svg = Parse(new BarChart
        {
            Title = "records", ValueName = "loaded", StackedName = "rejected",
            Items = [new BarItem("orders", 90) { Stacked = 10 }, new BarItem("users", 50)],
        }.Render());

        var value = svg.WithClass("bar-value").First();
        var stacked = svg.WithClass("bar-stacked").Single();
        Assert.Equal(value.Number("x") + value.Number("width"), stacked.Number("x"), 2);
        Assert.InRange(value.Number("width") - 9 * stacked.Number("width"), -0.05, 0.05);
        Assert.Equal("orders: 90 loaded, 10 rejected", stacked.TitleOf());
        Assert.Equal(["loaded", "rejected"], svg.WithClass("legend").Single().Elements().Select(g => g.Value));
    }

    [Fact]
    public void Non_finite_values_leave_the_category_out_and_a_bad_stacked_value_draws_nothing()
    {
        var svg = Parse(new BarChart
        {
            Title = "t", Items = [new BarItem("a", double.NaN), new BarItem("b", 1) { Stacked = double.PositiveInfinity }, new BarItem("c", 2) { Stacked = -1 }],
        }.Render());

        Assert.Equal(["b", "c"], svg.WithClass("bar").Select(b => (string?)b.Attribute("data-category")));
        Assert.Empty(svg.WithClass("bar-stacked"));
    }

    [Fact]
    public void Hostile_categories_are_text()
    {
        var rendered = new BarChart { Title = "t", Unit = "<i>", Items = [new BarItem("<script>alert(\"x\")</script>", 1)] }.Render();
        var svg = Parse(rendered);

        Assert.DoesNotContain("<script", rendered, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("<script>alert(\"x\")</script>: 1 <i>", svg.WithClass("bar-value").Single().TitleOf());
    }

    [Fact]
    public void Bars_beyond_the_cap_are_counted_in_a_note()
    {
        var svg = Parse(new BarChart { Title = "t", Items = [.. Enumerable.Range(0, BarChart.MaxBars + 7).Select(i => new BarItem("c" + i, i))] }.Render());

        Assert.Equal(BarChart.MaxBars, svg.WithClass("bar").Count());
        Assert.Contains(svg.WithClass("note"), t => t.Value == "7 more not shown.");
    }

    [Fact]
    public void All_zero_values_and_no_items_render()
    {
        Assert.Equal(2, Parse(new BarChart { Title = "t", Items = [new BarItem("a", 0), new BarItem("b", 0)] }.Render()).WithClass("bar").Count());
        Assert.Equal("t: no data", (string?)Parse(new BarChart { Title = "t" }.Render()).Attribute("aria-label"));
    }
}
