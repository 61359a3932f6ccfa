using System.Globalization;
using OpsAutomation.Core.Reporting.Charts;
using static OpsAutomation.Core.Tests.Reporting.Charts.ChartSvg;

namespace OpsAutomation.Core.Tests.Reporting.Charts;

public sealed class LineChartTests
{
    private static ChartSeries Series(string name, params double[] values) =>
        new(name, values.Select((v, i) => new TimePoint(T0.AddMinutes(i), v)).ToList());

    [Fact]
    public void A_higher_value_is_drawn_higher_up_and_a_later_time_further_right()
    {
        var svg = Parse(new LineChart { Title = "latency", Series = [Series("p95", 10, 80, 40)] }.Render());

        var points = svg.WithClass("line").Single().PolylinePoints();
        Assert.Equal(3, points.Count);
        Assert.True(points[0].X < points[1].X && points[1].X < points[2].X);
        Assert.True(points[1].Y < points[2].Y && points[2].Y < points[0].Y);
    }

    [Fact]
    public void Each_series_is_a_named_group_with_a_legend_entry()
    {
        var svg = Parse(new LineChart { Title = "latency", Series = [Series("p50", 1, 2), Series("p95", 3, 4), Series("p99", 5, 6)] }.Render());

        Assert.Equal(["p50", "p95", "p99"], svg.WithClass("series").Where(g => g.Attribute("data-name") is not null).Select(g => (string?)g.Attribute("data-name")));
        Assert.Equal(3, svg.WithClass("swatch").Count());
        Assert.Contains(svg.WithClass("point"), c => c.TitleOf() == "p99 at 2025-03-14 09:01:00 UTC: 6");
    }

    [Fact]
    public void A_legend_too_long_for_its_row_counts_the_rest_and_names_them_on_hover()
    {
        var names = Enumerable.Range(1, 8).Select(i => $"deployment-{i} available").ToArray();
        var svg = Parse(new LineChart { Title = "replicas", Width = 640, Series = [.. names.Select(n => Series(n, 1, 2))] }.Render());

        var shown = svg.WithClass("legend").Single().Descendants(Ns + "text").Where(t => t.Attribute("class")?.Value == "chart-label").Select(t => t.Value).ToList();
        var more = svg.WithClass("legend-more").Single();
        var hidden = int.Parse(more.Nodes().OfType<System.Xml.Linq.XText>().Single().Value.Split(' ')[0].TrimStart('+'), CultureInfo.InvariantCulture);
        Assert.Equal(names.Length, shown.Count + hidden);
        Assert.Equal(string.Join(", ", names.Skip(shown.Count)), more.TitleOf());
        Assert.True(more.Number("x") + 70 <= 640);
    }

    [Fact]
    public void A_threshold_line_is_at_the_y_of_its_value_on_the_axis()
    {
        var svg = Parse(new LineChart { Title = "budget", Unit = "%", Series = [Series("remaining", 100, 70, 20)], Thresholds = [new ChartThreshold(60, "SLO")] }.Render());

        var threshold = svg.WithClass("threshold").Single();
        var tick60 = svg.WithClass("axis-y").Single().Elements(Ns + "text").Single(t => t.Value == "60");
        Assert.Equal(threshold.Number("y1"), threshold.Number("y2"));
        Assert.Equal(tick60.Number("y") - 4, threshold.Number("y1"), 2);
        Assert.Equal("SLO: 60 %", threshold.Parent!.TitleOf());
        Assert.Contains(svg.WithClass("threshold-label"), t => t.Value == "SLO");
    }

    [Fact]
    public void The_value_axis_reaches_a_threshold_above_every_value()
    {
        var svg = Parse(new LineChart { Title = "latency", Series = [Series("p95", 10, 20)], Thresholds = [new ChartThreshold(300, "limit")] }.Render());

        var top = svg.WithClass("axis-y").Single().Elements(Ns + "text").Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture)).Max();
        Assert.True(top >= 300);
        Assert.Single(svg.WithClass("threshold"));
    }

    [Fact]
    public void Hostile_names_are_text()
    {
        var hostile = "<script>alert('x')</script>\"&";
        var rendered = new LineChart { Title = hostile, Unit = "<u>", Series = [Series(hostile, 1, 2)], Thresholds = [new ChartThreshold(1, hostile)] }.Render();
        var svg = Parse(rendered);

        Assert.DoesNotContain("<script", rendered, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<u>", rendered, StringComparison.Ordinal);
        Assert.Equal(hostile, (string?)svg.Attribute("aria-label"));
        Assert.Equal(hostile, (string?)svg.WithClass("series").First(g => g.Attribute("data-name") is not null).Attribute("data-name"));
    }

    [Fact]
    public void Control_characters_and_lone_surrogates_keep_the_svg_well_formed()
    {
        var svg = Parse(new LineChart { Title = "a\u0001b\uD800c", Series = [Series("x\u0000y", 1)] }.Render());
        Assert.Equal("a\uFFFDb\uFFFDc", (string?)svg.Attribute("aria-label"));
    }

    [Fact]
    public void Non_finite_values_are_skipped()
    {
        var svg = Parse(new LineChart { Title = "t", Series = [Series("s", 1, double.NaN, 3, double.PositiveInfinity, double.NegativeInfinity)] }.Render());

        Assert.Equal(2, svg.WithClass("line").Single().PolylinePoints().Count);
        Assert.Equal(2, svg.WithClass("point").Count());
    }

    [Fact]
    public void One_point_is_drawn_as_a_marker()
    {
        var svg = Parse(new LineChart { Title = "t", Series = [Series("s", 5)] }.Render());

        Assert.Empty(svg.WithClass("line"));
        var point = svg.WithClass("point").Single();
        Assert.InRange(point.Number("cy"), 28, 208);
    }

    [Fact]
    public void All_equal_values_draw_a_flat_line_inside_the_plot()
    {
        var svg = Parse(new LineChart { Title = "t", Series = [Series("s", 7, 7, 7)] }.Render());

        var points = svg.WithClass("line").Single().PolylinePoints();
        Assert.Single(points.Select(p => p.Y).Distinct());
        Assert.InRange(points[0].Y, 28, 208 - 1);
    }

    [Fact]
    public void No_points_say_so()
    {
        var svg = Parse(new LineChart { Title = "latency", Series = [Series("p95"), Series("p99", double.NaN)] }.Render());

        Assert.Empty(svg.WithClass("mark"));
        Assert.Equal("latency: no data", (string?)svg.Attribute("aria-label"));
        Assert.Contains(svg.Descendants(Ns + "text"), t => t.Value.Contains("No data", StringComparison.Ordinal));
    }

    [Fact]
    public void A_long_series_is_capped_and_keeps_its_spike()
    {
        var values = Enumerable.Range(0, 10_000).Select(i => i == 6_789 ? 1_000.0 : 10.0).ToArray();
        var rendered = new LineChart { Title = "t", Series = [Series("s", values)] }.Render();
        var svg = Parse(rendered);

        var points = svg.WithClass("line").Single().PolylinePoints();
        Assert.InRange(points.Count, 2, LineChart.MaxPointsPerSeries);
        Assert.Single(points, p => p.Y == points.Min(q => q.Y));
        Assert.Empty(svg.WithClass("point"));
        Assert.True(rendered.Length < 20_000, $"{rendered.Length} characters");
    }

    [Fact]
    public void Series_beyond_the_cap_are_counted_in_a_note()
    {
        var series = Enumerable.Range(1, LineChart.MaxSeries + 3).Select(i => Series("s" + i, i)).ToList();
        var svg = Parse(new LineChart { Title = "t", Series = series }.Render());

        Assert.Equal(LineChart.MaxSeries, svg.WithClass("series").Count(g => g.Attribute("data-name") is not null));
        Assert.Contains(svg.WithClass("note"), t => t.Value == "3 more series not shown.");
    }

    [Fact]
    public void Points_outside_the_window_are_left_out()
    {
        var svg = Parse(new LineChart { Title = "t", From = T0.AddMinutes(1), To = T0.AddMinutes(3), Series = [Series("s", 1, 2, 3, 4, 5)] }.Render());

        Assert.Equal(3, svg.WithClass("point").Count());
    }

    [Theory]
    [InlineData(500, 500)]
    [InlineData(100, 320)]
    [InlineData(double.NaN, 800)]
    public void A_width_sets_the_view_box_and_the_plot_follows_it(double width, double expected)
    {
        var svg = Parse(new LineChart { Title = "t", Width = width, Series = [Series("s", 1, 2)], Thresholds = [new ChartThreshold(1, "x")] }.Render());

        Assert.StartsWith($"0 0 {expected} ", (string?)svg.Attribute("viewBox"), StringComparison.Ordinal);
        Assert.Equal(expected - 12, svg.WithClass("threshold").Single().Number("x2"));
    }
}
