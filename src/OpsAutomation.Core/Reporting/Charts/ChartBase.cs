namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>What every chart has: its viewBox width, its title and id, and the svg element it renders.</summary>
public abstract class ChartBase
{
    private readonly double _width = SvgChart.DefaultWidth;

    /// <summary>The viewBox's width (default <see cref="SvgChart.DefaultWidth"/>, at least <see cref="SvgChart.MinWidth"/>): about the CSS pixels at which its text reads at 11px.</summary>
    public double Width { get => _width; init => _width = double.IsFinite(value) ? Math.Max(SvgChart.MinWidth, value) : SvgChart.DefaultWidth; }

    /// <summary>What the chart shows, for its aria-label and title.</summary>
    public required string Title { get; init; }

    /// <summary>The svg's id (letters, digits and dashes are kept), or none.</summary>
    public string? Id { get; init; }

    /// <summary>The chart as an svg element, to paste into a page's HTML as it is.</summary>
    public abstract string Render();
}

/// <summary>A chart over a time axis, whose window is by default its earliest to its latest item.</summary>
public abstract class TimeChart : ChartBase
{
    /// <summary>The window's start; by default the earliest item's.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>The window's end; by default the latest item's.</summary>
    public DateTimeOffset? To { get; init; }
}
