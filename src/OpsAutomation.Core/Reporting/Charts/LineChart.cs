namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>A value at a time.</summary>
public readonly record struct TimePoint(DateTimeOffset Time, double Value);

/// <summary>One named line of a <see cref="LineChart"/>.</summary>
/// <param name="Name">The legend's and the hover text's name, such as <c>p95</c>.</param>
/// <param name="Points">The values, in any order; NaN and infinities are skipped.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<TimePoint> Points);

/// <summary>A horizontal line across a <see cref="LineChart"/>, such as an objective or a limit.</summary>
/// <param name="Value">Where the line is; the value axis always reaches it.</param>
/// <param name="Label">The text beside the line, such as <c>SLO 99.9%</c>.</param>
public sealed record ChartThreshold(double Value, string Label);

/// <summary>
/// Several named series over a time axis, round ticks on the value axis, optional thresholds.
/// Caps: <see cref="MaxSeries"/> series (the rest are named in a note) and
/// <see cref="MaxPointsPerSeries"/> points per series (more are reduced by keeping each bucket's
/// lowest and highest value, so spikes survive); points get a hover marker while a series has at
/// most <see cref="MaxMarkedPoints"/>.
/// </summary>
public sealed class LineChart : TimeChart
{
    /// <summary>Series drawn at most (the palette has eight colours).</summary>
    public const int MaxSeries = 8;

    /// <summary>Points per series at most; 400 is two per horizontal unit of the plot, finer than a screen shows.</summary>
    public const int MaxPointsPerSeries = 400;

    /// <summary>A series with at most this many points gets a circle with hover text on each.</summary>
    public const int MaxMarkedPoints = 120;

    private const double Left = 64;
    private const double Right = 12;
    private const double Top = 28;
    private const double PlotHeight = 180;
    private const double Height = Top + PlotHeight + 24;

    /// <summary>The values' unit, written above the value axis and in hover texts (<c>ms</c>, <c>%</c>).</summary>
    public string? Unit { get; init; }

    /// <summary>The value axis's low end; by default zero, or the lowest value when that is negative.</summary>
    public double? YMin { get; init; }

    /// <summary>The value axis's high end; by default the highest value or threshold, rounded up.</summary>
    public double? YMax { get; init; }

    public IReadOnlyList<ChartSeries> Series { get; init; } = [];

    public IReadOnlyList<ChartThreshold> Thresholds { get; init; } = [];

    public override string Render()
    {
        var shown = Series.Where(s => s is not null).Take(MaxSeries).ToList();
        var left = Series.Count - shown.Count;
        var finite = shown.Select(s => (s.Name, Points: (s.Points ?? []).Where(p => double.IsFinite(p.Value)).OrderBy(p => p.Time).ToList())).ToList();
        var all = finite.SelectMany(s => s.Points).ToList();
        var svg = new SvgWriter().Open("line", Id, all.Count == 0 ? Title + ": no data" : Title, Width, Height);
        if (all.Count == 0) return svg.Note(Left, Top + 14, "No data in this window.").Close();

        var time = new TimeScale(From ?? all.Min(p => p.Time), To ?? all.Max(p => p.Time), Left, Width - Right);
        var inWindow = finite.Select(s => (s.Name, Points: Downsample(s.Points.Where(p => time.Contains(p.Time)).ToList(), MaxPointsPerSeries))).ToList();
        var thresholds = Thresholds.Where(t => t is not null && double.IsFinite(t.Value)).ToList();
        var values = inWindow.SelectMany(s => s.Points).Select(p => p.Value).Concat(thresholds.Select(t => t.Value)).DefaultIfEmpty(0).ToList();
        var y = new LinearScale(YMin ?? Math.Min(0, values.Min()), YMax ?? values.Max(), Top + PlotHeight, Top);

        svg.Legend(inWindow.Select((s, i) => (s.Name, "series s" + (i + 1))), Left, 14);
        svg.ValueAxis(y, Left, Width - Right, Unit);
        svg.TimeAxis(time, Top + PlotHeight, Top + PlotHeight);
        foreach (var threshold in thresholds.Where(t => t.Value >= y.Min && t.Value <= y.Max))
        {
            var ty = y.Map(threshold.Value);
            svg.Raw("<g class=\"threshold-group\">").Title($"{threshold.Label}: {Value(threshold.Value)}").Line(Left, ty, Width - Right, ty, "threshold")
                .Label(Width - Right - 4, ty - 4, SvgText.Shorten(threshold.Label, 40), "threshold-label", "end").Raw("</g>");
        }
        for (var i = 0; i < inWindow.Count; i++)
        {
            var (name, points) = inWindow[i];
            svg.Raw("<g class=\"series s").Raw((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).Raw("\" data-name=\"").Text(name).Raw("\">");
            if (points.Count > 1)
            {
                svg.Raw("<polyline class=\"mark line\" fill=\"none\" stroke=\"currentColor\" points=\"");
                foreach (var p in points) svg.Num(time.Map(p.Time)).Raw(",").Num(y.Map(p.Value)).Raw(" ");
                svg.Raw("\">").Title(name).Raw("</polyline>");
            }
            if (points.Count <= MaxMarkedPoints)
            {
                foreach (var p in points)
                {
                    svg.Raw("<circle class=\"mark point\" cx=\"").Num(time.Map(p.Time)).Raw("\" cy=\"").Num(y.Map(p.Value))
                        .Raw(points.Count == 1 ? "\" r=\"4\" fill=\"currentColor\">" : "\" r=\"2.5\" fill=\"currentColor\">")
                        .Title($"{name} at {SvgText.Time(p.Time)}: {Value(p.Value)}").Raw("</circle>");
                }
            }
            svg.Raw("</g>");
        }
        if (left > 0) svg.Note(Left, Height - 2, $"{left} more series not shown.");
        return svg.Close();
    }

    private string Value(double value) => string.IsNullOrEmpty(Unit) ? SvgText.Value(value) : $"{SvgText.Value(value)} {Unit}";

    /// <summary>
    /// At most <paramref name="max"/> points from a time-ordered series: each of max/2 equal runs
    /// contributes its lowest and highest point in time order, so an outage's spike stays visible.
    /// </summary>
    internal static List<TimePoint> Downsample(List<TimePoint> ordered, int max)
    {
        if (ordered.Count <= max) return ordered;
        var buckets = max / 2;
        var kept = new List<TimePoint>(max);
        for (var b = 0; b < buckets; b++)
        {
            var start = (int)((long)b * ordered.Count / buckets);
            var end = (int)((long)(b + 1) * ordered.Count / buckets);
            if (end <= start) continue;
            var (low, high) = (start, start);
            for (var i = start; i < end; i++)
            {
                if (ordered[i].Value < ordered[low].Value) low = i;
                if (ordered[i].Value > ordered[high].Value) high = i;
            }
            kept.Add(ordered[Math.Min(low, high)]);
            if (low != high) kept.Add(ordered[Math.Max(low, high)]);
        }
        return kept;
    }
}
