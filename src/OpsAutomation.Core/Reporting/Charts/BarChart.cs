namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>One category of a <see cref="BarChart"/>.</summary>
/// <param name="Category">The bar's name, such as a pipeline or a service.</param>
/// <param name="Value">The bar's length; NaN or infinity leaves the category out.</param>
public sealed record BarItem(string Category, double Value)
{
    /// <summary>A second value stacked after the first, such as rejected records after loaded ones; negative, NaN or infinite draws nothing.</summary>
    public double? Stacked { get; init; }

    /// <summary>The hover text; by default the category and its values.</summary>
    public string? Title { get; init; }
}

/// <summary>
/// One horizontal bar per category (horizontal so long names stay readable), optionally with a
/// stacked second value. Cap: <see cref="MaxBars"/> bars, in the order given (the rest are counted
/// in a note).
/// </summary>
public sealed class BarChart : ChartBase
{
    /// <summary>Bars drawn at most.</summary>
    public const int MaxBars = 60;

    private const double LabelWidth = 170;
    private const double Right = 64;
    private const double Top = 28;
    private const double RowHeight = 22;
    private const double BarHeight = 14;

    /// <summary>The values' unit, for the hover texts and the axis.</summary>
    public string? Unit { get; init; }

    /// <summary>The legend's name of <see cref="BarItem.Value"/>, such as <c>loaded</c>.</summary>
    public string ValueName { get; init; } = "value";

    /// <summary>The legend's name of <see cref="BarItem.Stacked"/>, such as <c>rejected</c>; the legend shows it when a bar has a stacked value.</summary>
    public string StackedName { get; init; } = "stacked";

    public IReadOnlyList<BarItem> Items { get; init; } = [];

    public override string Render()
    {
        var valid = Items.Where(i => i is not null && double.IsFinite(i.Value)).ToList();
        var bars = valid.Take(MaxBars).ToList();
        var left = valid.Count - bars.Count;
        var height = Top + Math.Max(1, bars.Count) * RowHeight + 24 + (left > 0 ? 16 : 0);
        var svg = new SvgWriter().Open("bar", Id, bars.Count == 0 ? Title + ": no data" : Title, Width, height);
        if (bars.Count == 0) return svg.Note(LabelWidth, Top + 14, "No data.").Close();

        var totals = bars.Select(b => b.Value + StackedOf(b)).ToList();
        var x = new LinearScale(Math.Min(0, bars.Min(b => b.Value)), Math.Max(0, totals.Max()), LabelWidth, Width - Right, 6);
        var anyStacked = bars.Any(b => StackedOf(b) > 0);
        svg.Legend(anyStacked ? [(ValueName, "bar-key-value"), (StackedName, "bar-key-stacked")] : [(ValueName, "bar-key-value")], LabelWidth, 14);

        var axisY = Top + bars.Count * RowHeight + 2;
        svg.Raw("<g class=\"axis-x\">").Line(x.Map(x.Min), axisY, x.Map(x.Max), axisY, "axis");
        foreach (var tick in x.Ticks())
        {
            svg.Line(x.Map(tick), Top, x.Map(tick), axisY, tick == 0 ? "axis" : "grid").Label(x.Map(tick), axisY + 14, SvgText.Value(tick), anchor: "middle");
        }
        svg.Raw("</g>");
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var y = Top + i * RowHeight + (RowHeight - BarHeight) / 2;
            var stacked = StackedOf(bar);
            var title = bar.Title ?? (stacked > 0
                ? $"{bar.Category}: {Value(bar.Value)} {ValueName}, {Value(stacked)} {StackedName}"
                : $"{bar.Category}: {Value(bar.Value)}");
            svg.Raw("<g class=\"bar\" data-category=\"").Text(bar.Category).Raw("\">");
            svg.Label(LabelWidth - 8, y + BarHeight - 3, SvgText.Shorten(bar.Category, 26), "chart-label", "end");
            Rect(svg, "mark bar-value", x.Map(Math.Min(0, bar.Value)), y, Math.Abs(x.Map(bar.Value) - x.Map(0)), title);
            if (stacked > 0) Rect(svg, "mark bar-stacked", x.Map(bar.Value), y, x.Map(bar.Value + stacked) - x.Map(bar.Value), title);
            svg.Label(x.Map(Math.Max(0, bar.Value + stacked)) + 4, y + BarHeight - 3, Value(bar.Value + stacked));
            svg.Raw("</g>");
        }
        if (left > 0) svg.Note(LabelWidth, height - 4, $"{left} more not shown.");
        return svg.Close();
    }

    private static double StackedOf(BarItem bar) => bar.Stacked is { } s && double.IsFinite(s) && s > 0 && bar.Value >= 0 ? s : 0;

    private static void Rect(SvgWriter svg, string cssClass, double x, double y, double width, string title) =>
        svg.Raw("<rect class=\"").Raw(cssClass).Raw("\" x=\"").Num(x).Raw("\" y=\"").Num(y).Raw("\" width=\"").Num(Math.Max(0, width))
            .Raw("\" height=\"").Num(BarHeight).Raw("\" fill=\"currentColor\">").Title(title).Raw("</rect>");

    private string Value(double value) => string.IsNullOrEmpty(Unit) ? SvgText.Value(value) : $"{SvgText.Value(value)} {Unit}";
}
