namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>Something that happened at a moment, such as an incident's acknowledgement.</summary>
/// <param name="Time">When.</param>
/// <param name="Label">A short label drawn beside the marker (cut to 28 characters; the hover text has it whole).</param>
public sealed record ChartEvent(DateTimeOffset Time, string Label)
{
    /// <summary>More text for the hover, such as who did it and the message.</summary>
    public string? Detail { get; init; }

    /// <summary>A milestone (detection, mitigation, resolution): a larger marker, a bold label, placed first.</summary>
    public bool Emphasized { get; init; }

    /// <summary>The marker's colour by state name (<c>open</c>, <c>acknowledged</c>, <c>mitigated</c>, <c>resolved</c>, <c>info</c>, ...), or the neutral colour.</summary>
    public string? Kind { get; init; }
}

/// <summary>
/// Markers on a time axis with short labels, stacked in up to <see cref="MaxLabelRows"/> rows so
/// they do not overlap; a label that finds no room is left to the hover text, and the chart is as
/// tall as the rows it uses. Events outside From..To are left out. Cap:
/// <see cref="MaxEvents"/> events: every emphasised one, and the others evenly sampled.
/// </summary>
public sealed class EventTimelineChart : TimeChart
{
    /// <summary>Events drawn at most.</summary>
    public const int MaxEvents = 200;

    /// <summary>Rows of labels above the axis.</summary>
    public const int MaxLabelRows = 6;

    private const double Left = 16;
    private const double Right = 16;
    private const double Top = 8;
    private const double RowHeight = 16;
    private const double CharWidth = 6.4;
    private const double BoldCharWidth = 7.4;
    private const double LabelGap = 8;
    private const int MaxLabelLength = 28;

    public IReadOnlyList<ChartEvent> Events { get; init; } = [];

    public override string Render()
    {
        var events = Capped(Events.Where(e => e is not null).ToList());
        var left = Events.Count(e => e is not null) - events.Count;
        if (events.Count == 0)
        {
            return new SvgWriter().Open("events", Id, Title + ": no events", Width, Top + RowHeight + 34).Note(Left, Top + RowHeight, "No events.").Close();
        }

        var scale = new TimeScale(From ?? events.Min(e => e.Time), To ?? events.Max(e => e.Time), Left + 8, Width - Right - 8);
        var placed = Place(events.Where(e => scale.Contains(e.Time)), scale);
        var rowsUsed = placed.Select(p => p.Row + 1).DefaultIfEmpty(0).Max();
        var axisY = Top + Math.Max(1, rowsUsed) * RowHeight + 10;
        var height = axisY + 24 + (left > 0 ? 14 : 0);
        var svg = new SvgWriter().Open("events", Id, Title, Width, height);
        svg.TimeAxis(scale, axisY, axisY);
        foreach (var (e, x, row, anchorEnd) in placed.OrderBy(p => p.Event.Time))
        {
            svg.Raw(e.Emphasized ? "<g class=\"event key" : "<g class=\"event").Raw(e.Kind is null ? "" : " st-" + SvgText.Token(e.Kind)).Raw("\">");
            if (row >= 0)
            {
                var labelY = axisY - 10 - row * RowHeight;
                svg.Line(x, labelY + 3, x, axisY, "stem").Label(x, labelY, SvgText.Shorten(e.Label, MaxLabelLength), anchor: anchorEnd ? "end" : "start");
            }
            svg.Raw("<circle class=\"mark marker\" cx=\"").Num(x).Raw("\" cy=\"").Num(axisY).Raw(e.Emphasized ? "\" r=\"6\"" : "\" r=\"4\"")
                .Raw(" fill=\"currentColor\">").Title($"{SvgText.Time(e.Time)}: {e.Label}" + (string.IsNullOrEmpty(e.Detail) ? "" : " - " + e.Detail))
                .Raw("</circle></g>");
        }
        if (left > 0) svg.Note(Left, height - 2, $"{left} more events not shown.");
        return svg.Close();
    }

    /// <summary>
    /// Each event's x and the row of its label (-1 for none): milestones claim room first, then the
    /// others in time order, each in the lowest row where it overlaps no label already placed.
    /// </summary>
    private List<(ChartEvent Event, double X, int Row, bool AnchorEnd)> Place(IEnumerable<ChartEvent> events, TimeScale scale)
    {
        var rows = Enumerable.Range(0, MaxLabelRows).Select(_ => new List<(double From, double To)>()).ToArray();
        var placed = new List<(ChartEvent, double, int, bool)>();
        foreach (var e in events.OrderByDescending(e => e.Emphasized).ThenBy(e => e.Time))
        {
            var x = scale.Map(e.Time);
            // Bold milestone labels are wider; an estimate errs wide so labels never touch.
            var width = SvgText.Shorten(e.Label, MaxLabelLength).Length * (e.Emphasized ? BoldCharWidth : CharWidth);
            // Labels start at the marker, or end at it near the right edge.
            var anchorEnd = x + width > Width - Right;
            var (from, to) = anchorEnd ? (x - width, x) : (x, x + width);
            var row = Array.FindIndex(rows, r => r.TrueForAll(taken => to + LabelGap < taken.From || from > taken.To + LabelGap));
            if (row >= 0) rows[row].Add((from, to));
            placed.Add((e, x, row, anchorEnd));
        }
        return placed;
    }

    /// <summary>Every emphasised event, then the others evenly sampled so the whole span stays covered.</summary>
    internal static List<ChartEvent> Capped(List<ChartEvent> events)
    {
        if (events.Count <= MaxEvents) return events;
        var key = events.Where(e => e.Emphasized).Take(MaxEvents).ToList();
        var others = events.Where(e => !e.Emphasized).OrderBy(e => e.Time).ToList();
        var room = MaxEvents - key.Count;
        var sampled = Enumerable.Range(0, Math.Min(room, others.Count)).Select(i => others[(int)((long)i * others.Count / room)]);
        return [.. key.Concat(sampled).OrderBy(e => e.Time)];
    }
}
