namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>A span of time in one state, such as a service Degraded from 09:00 to 09:15.</summary>
/// <param name="Start">When the state began.</param>
/// <param name="End">When it ended; a segment no longer than an instant is drawn one unit wide.</param>
/// <param name="State">The state's name; its lower-case letters pick the colour (<c>healthy</c>, <c>unhealthy</c>, <c>failed</c>, <c>running</c>, ... see <see cref="SvgChart.Css"/>).</param>
public sealed record StatusSegment(DateTimeOffset Start, DateTimeOffset End, string State)
{
    /// <summary>The hover text; by default the lane, state and times.</summary>
    public string? Title { get; init; }

    /// <summary>Which state wins when segments must be merged to respect the cap: the highest rank (so a short outage is never merged away by health around it).</summary>
    public int Rank { get; init; }
}

/// <summary>One row of a <see cref="StatusTimelineChart"/>.</summary>
/// <param name="Label">The row's name, such as a service.</param>
/// <param name="Segments">The row's states, in any order.</param>
public sealed record StatusLane(string Label, IReadOnlyList<StatusSegment> Segments);

/// <summary>
/// One lane per label with coloured segments over a time axis. Caps: <see cref="MaxLanes"/> lanes
/// (the rest are named in a note) and <see cref="MaxSegmentsPerLane"/> segments per lane (adjacent
/// segments of one state and title are joined first; then neighbours are merged, keeping the
/// highest-ranked state).
/// </summary>
public sealed class StatusTimelineChart : TimeChart
{
    /// <summary>Lanes drawn at most.</summary>
    public const int MaxLanes = 40;

    /// <summary>Segments drawn per lane at most: more would be thinner than the chart's resolution.</summary>
    public const int MaxSegmentsPerLane = 400;

    private const double LabelWidth = 150;
    private const double Right = 12;
    private const double Top = 28;
    private const double LaneHeight = 22;
    private const double BarHeight = 16;

    public IReadOnlyList<StatusLane> Lanes { get; init; } = [];

    public override string Render()
    {
        var lanes = Lanes.Where(l => l is not null).Take(MaxLanes).ToList();
        var left = Lanes.Count - lanes.Count;
        var segments = lanes.SelectMany(l => l.Segments ?? []).ToList();
        var height = Top + Math.Max(1, lanes.Count) * LaneHeight + 22 + (left > 0 ? 16 : 0);
        var svg = new SvgWriter().Open("timeline", Id, segments.Count == 0 ? Title + ": no data" : Title, Width, height);
        if (segments.Count == 0) return svg.Note(LabelWidth, Top + 14, "No data in this window.").Close();

        var scale = new TimeScale(From ?? segments.Min(s => s.Start), To ?? segments.Max(s => s.End), LabelWidth, Width - Right);
        var states = segments.Select(s => s.State ?? "").Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase);
        svg.Legend(states.Select(s => (s, "st-" + SvgText.Token(s))), LabelWidth, 14);

        var axisY = Top + lanes.Count * LaneHeight + 2;
        svg.TimeAxis(scale, axisY, Top);
        for (var i = 0; i < lanes.Count; i++)
        {
            var lane = lanes[i];
            var y = Top + i * LaneHeight + (LaneHeight - BarHeight) / 2;
            svg.Raw("<g class=\"lane\" data-label=\"").Text(lane.Label).Raw("\">");
            svg.Label(LabelWidth - 8, y + BarHeight - 4, SvgText.Shorten(lane.Label, 22), "chart-label", "end");
            foreach (var segment in Capped(Clip(lane.Segments ?? [], scale)))
            {
                var x = scale.Map(segment.Start);
                var width = Math.Max(1, scale.Map(segment.End) - x);
                svg.Raw("<rect class=\"mark segment st-").Raw(SvgText.Token(segment.State)).Raw("\" x=\"").Num(x).Raw("\" y=\"").Num(y)
                    .Raw("\" width=\"").Num(width).Raw("\" height=\"").Num(BarHeight).Raw("\" fill=\"currentColor\">")
                    .Title(segment.Title ?? $"{lane.Label}: {segment.State} from {SvgText.Time(segment.Start)} to {SvgText.Time(segment.End)}")
                    .Raw("</rect>");
            }
            svg.Raw("</g>");
        }
        if (left > 0) svg.Note(LabelWidth, height - 4, $"{left} more not shown.");
        return svg.Close();
    }

    /// <summary>Segments cut to the window, in time order; those wholly outside it are dropped.</summary>
    private static IEnumerable<StatusSegment> Clip(IEnumerable<StatusSegment> segments, TimeScale scale) => segments
        .Where(s => s is not null && s.End >= scale.Start && s.Start <= scale.End)
        .Select(s => s with { Start = s.Start < scale.Start ? scale.Start : s.Start, End = s.End > scale.End ? scale.End : s.End < s.Start ? s.Start : s.End })
        .OrderBy(s => s.Start);

    /// <summary>Joins neighbours that say the same, then merges runs of neighbours until at most <see cref="MaxSegmentsPerLane"/> remain.</summary>
    internal static IReadOnlyList<StatusSegment> Capped(IEnumerable<StatusSegment> ordered)
    {
        var joined = new List<StatusSegment>();
        foreach (var segment in ordered)
        {
            if (joined.Count > 0 && joined[^1] is var last && string.Equals(last.State, segment.State, StringComparison.OrdinalIgnoreCase)
                && last.Title == segment.Title && segment.Start <= last.End)
                joined[^1] = last with { End = segment.End > last.End ? segment.End : last.End };
            else joined.Add(segment);
        }
        if (joined.Count <= MaxSegmentsPerLane) return joined;

        var size = (int)Math.Ceiling(joined.Count / (double)MaxSegmentsPerLane);
        return joined.Chunk(size).Select(run =>
        {
            var winner = run.OrderByDescending(s => s.Rank).ThenByDescending(s => s.End - s.Start).First();
            var end = run.Max(s => s.End);
            return winner with
            {
                Start = run[0].Start, End = end,
                Title = $"{winner.State} from {SvgText.Time(run[0].Start)} to {SvgText.Time(end)} ({run.Length} periods merged, highest-ranked state shown)",
            };
        }).ToList();
    }
}
