namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>
/// Inline SVG charts for the self-contained HTML pages (health report, post-mortem, landing page).
/// <para>
/// Usage: describe a chart with one of the chart types and call its <c>Render()</c>, which returns an
/// <c>&lt;svg&gt;</c> element to paste into the page's HTML as it is; put <see cref="Css"/> once into
/// the page's <c>&lt;style&gt;</c>.
/// </para>
/// <list type="bullet">
/// <item><see cref="StatusTimelineChart"/>: one lane per label, coloured segments over a time axis
/// (a service's status over a window, a pipeline's runs).</item>
/// <item><see cref="LineChart"/>: named series of <see cref="TimePoint"/>s over a time axis, with
/// optional labelled horizontal <see cref="ChartThreshold"/>s (latency percentiles, error budget).</item>
/// <item><see cref="BarChart"/>: one horizontal bar per category, optionally with a stacked second
/// value (records loaded vs rejected, deployments per service).</item>
/// <item><see cref="EventTimelineChart"/>: markers with short labels on a time axis (an incident's
/// timeline), key events emphasised.</item>
/// </list>
/// <para>
/// What every chart guarantees: no script and no external reference (the pages' CSP forbids both);
/// every text from the caller encoded (names come from configuration and the network); sizes only
/// through the <c>viewBox</c>, so a chart scales to its container; colours only through CSS classes
/// and variables (the page's light and dark schemes apply, <see cref="Css"/> supplies defaults);
/// <c>role="img"</c> with an <c>aria-label</c>, and a <c>&lt;title&gt;</c> on each mark for hover text.
/// Data marks carry the class <c>mark</c>; lanes <c>lane</c>, series <c>series</c>, bars <c>bar</c>
/// and events <c>event</c>, so a test can count them. Values that are NaN or infinite are skipped;
/// no data renders a chart saying so. Each type states its caps (points, lanes, bars, events) so
/// that a page stays small whatever the history holds.
/// </para>
/// </summary>
public static class SvgChart
{
    /// <summary>
    /// The charts' style: series colours, status colours and axes, in light and dark. It reads the
    /// page's variables when they exist (<c>--fg</c>, <c>--muted</c>, <c>--border</c>, <c>--healthy</c>, ...)
    /// so the charts match the health report, and falls back to its own otherwise.
    /// </summary>
    public const string Css = """
        :root { --chart-1: #0969da; --chart-2: #bf3989; --chart-3: #1a7f37; --chart-4: #9a6700; --chart-5: #8250df; --chart-6: #cf222e; --chart-7: #1b7c83; --chart-8: #57606a; --chart-info: #0969da; }
        @media (prefers-color-scheme: dark) {
          :root { --chart-1: #58a6ff; --chart-2: #ff7b72; --chart-3: #3fb950; --chart-4: #d29922; --chart-5: #bc8cff; --chart-6: #f778ba; --chart-7: #39c5cf; --chart-8: #8b949e; --chart-info: #58a6ff; }
        }
        .chart { display: block; width: 100%; height: auto; max-width: 100%; overflow: visible; }
        .chart text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--muted, #5b6472); }
        .chart .chart-label { fill: var(--fg, #1d2128); }
        .chart .axis { stroke: var(--border, #d9dde3); stroke-width: 1; }
        .chart .grid { stroke: var(--border, #d9dde3); stroke-width: 1; stroke-dasharray: 2 3; }
        .chart .plot { fill: none; stroke: var(--border, #d9dde3); }
        .chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
        .chart .threshold { stroke: var(--unhealthy, #cf222e); stroke-width: 1.5; stroke-dasharray: 6 4; }
        .chart .threshold-label { fill: var(--unhealthy, #cf222e); }
        .chart .s1 { --series: var(--chart-1); } .chart .s2 { --series: var(--chart-2); } .chart .s3 { --series: var(--chart-3); } .chart .s4 { --series: var(--chart-4); }
        .chart .s5 { --series: var(--chart-5); } .chart .s6 { --series: var(--chart-6); } .chart .s7 { --series: var(--chart-7); } .chart .s8 { --series: var(--chart-8); }
        .chart .series .line { stroke: var(--series); } .chart .series .point, .chart .swatch { fill: var(--series); }
        .chart .bar-value { fill: var(--chart-1); } .chart .bar-stacked { fill: var(--unhealthy, #cf222e); }
        .chart .st-healthy, .chart .st-ok, .chart .st-succeeded, .chart .st-resolved { --series: var(--healthy, #1a7f37); }
        .chart .st-degraded, .chart .st-warning, .chart .st-mitigated { --series: var(--degraded, #9a6700); }
        .chart .st-unhealthy, .chart .st-failed, .chart .st-error, .chart .st-critical, .chart .st-open { --series: var(--unhealthy, #cf222e); }
        .chart .st-unreachable { --series: var(--unreachable, #8250df); }
        .chart .st-circuitopen, .chart .st-cancelled, .chart .st-unknown, .chart .st-skipped { --series: var(--circuit, #57606a); }
        .chart .st-running, .chart .st-info, .chart .st-acknowledged { --series: var(--chart-info); }
        .chart .st-nodata { --series: var(--border, #d9dde3); }
        .chart .segment { fill: var(--series, var(--chart-8)); }
        .chart .event .marker { fill: var(--series, var(--chart-8)); stroke: var(--card, #ffffff); stroke-width: 1.5; }
        .chart .event.key .marker { stroke: var(--fg, #1d2128); }
        .chart .event.key text { fill: var(--fg, #1d2128); font-weight: 600; }
        .chart .stem { stroke: var(--border, #d9dde3); stroke-width: 1; }
        """;

    /// <summary>The width of every chart's viewBox; heights follow from the content.</summary>
    internal const double Width = 800;
}
