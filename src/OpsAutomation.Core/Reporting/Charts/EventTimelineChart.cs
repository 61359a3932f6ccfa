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
/// they do not overlap; a label that finds no room is left to the hover text. Cap:
/// <see cref="MaxEvents"/> events: every emphasised one, and the others evenly sampled.
/// </summary>
public sealed class EventTimelineChart
{
    /// <summary>Events drawn at most.</summary>
    public const int MaxEvents = 200;

    /// <summary>Rows of labels above the axis.</summary>
    public const int MaxLabelRows = 6;

    private const double Left = 16;
    private const double Right = 16;
    private const double Top = 8;
    private const double RowHeight = 16;
    private const double CharWidth = 6.2;
    private const int MaxLabelLength = 28;

    /// <summary>What the chart shows, for its aria-label and title.</summary>
    public required string Title { get; init; }

    /// <summary>The svg's id (letters, digits and dashes are kept), or none.</summary>
    public string? Id { get; init; }

    /// <summary>The window's start; by default the earliest event's.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>The window's end; by default the latest event's.</summary>
    public DateTimeOffset? To { get; init; }

    public IReadOnlyList<ChartEvent> Events { get; init; } = [];

    public string Render()
    {
        var events = Capped(Events.Where(e => e is not null).ToList());
        var left = Events.Count(e => e is not null) - events.Count;
        var axisY = Top + MaxLabelRows * RowHeight + 10;
        var height = axisY + 24 + (left > 0 ? 14 : 0);
        var svg = new SvgWriter().Open("events", Id, events.Count == 0 ? Title + ": no events" : Title, height);
        if (events.Count == 0) return svg.Note(Left, axisY, "No events.").Close();

        var scale = new TimeScale(From ?? events.Min(e => e.Time), To ?? events.Max(e => e.Time), Left + 8, SvgChart.Width - Right - 8);
        svg.TimeAxis(scale, axisY, axisY);
        var rows = new double[MaxLabelRows];
        Array.Fill(rows, double.NegativeInfinity);
        // Milestones claim label room first; the others take what is left, in time order.
        foreach (var e in events.Where(e => scale.Contains(e.Time)).OrderByDescending(e => e.Emphasized).ThenBy(e => e.Time))
        {
            var x = scale.Map(e.Time);
            var label = SvgText.Shorten(e.Label, MaxLabelLength);
            var width = label.Length * CharWidth;
            // Labels start at the marker, or end at it near the right edge.
            var anchorEnd = x + width > SvgChart.Width - Right;
            var (from, to) = anchorEnd ? (x - width, x) : (x, x + width);
            var row = Array.FindIndex(rows, r => r + 6 < from);
            svg.Raw(e.Emphasized ? "<g class=\"event key" : "<g class=\"event").Raw(e.Kind is null ? "" : " st-" + SvgText.Token(e.Kind)).Raw("\">");
            var title = $"{SvgText.Time(e.Time)}: {e.Label}" + (string.IsNullOrEmpty(e.Detail) ? "" : " - " + e.Detail);
            if (row >= 0)
            {
                rows[row] = to;
                var labelY = axisY - 10 - row * RowHeight;
                svg.Line(x, labelY + 3, x, axisY, "stem").Label(x, labelY, label, anchor: anchorEnd ? "end" : "start");
            }
            svg.Raw("<circle class=\"mark marker\" cx=\"").Num(x).Raw("\" cy=\"").Num(axisY).Raw(e.Emphasized ? "\" r=\"6\"" : "\" r=\"4\"")
                .Raw(" fill=\"currentColor\">").Title(title).Raw("</circle></g>");
        }
        if (left > 0) svg.Note(Left, height - 2, $"{left} more events not shown.");
        return svg.Close();
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
