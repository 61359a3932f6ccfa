using System.Globalization;
using System.Net;
using System.Text;
using OpsAutomation.Core.Reporting.Charts;
using OpsAutomation.Models;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Reporting;

/// <summary>
/// Renders a report as one self-contained HTML page: inline CSS, no script, nothing fetched, so it
/// can be mailed, attached to a CI run or served as a file. Its content security policy forbids
/// scripts and remote loads outright, and every value is HTML-encoded because names, targets and
/// reasons come from configuration and the network.
/// </summary>
public static class HtmlHealthReportRenderer
{
    private const string Style = """
        :root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1d2128; --muted: #5b6472; --card: #ffffff; --border: #d9dde3;
          --healthy: #1a7f37; --degraded: #9a6700; --unhealthy: #cf222e; --unreachable: #8250df; --circuit: #57606a; --badge-fg: #ffffff; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9aa4b0; --card: #161b22; --border: #30363d;
            --healthy: #3fb950; --degraded: #d29922; --unhealthy: #f85149; --unreachable: #a371f7; --circuit: #8b949e; --badge-fg: #0d1117; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1200px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 28px 0 12px; }
        h3 { font-size: 15px; margin: 0 0 8px; display: flex; gap: 8px; align-items: center; }
        .meta { color: var(--muted); margin: 0 0 20px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
        .card { background: var(--card); border: 1px solid var(--border); border-top: 4px solid var(--status, var(--border)); border-radius: 8px; padding: 10px 16px; }
        .card .count { display: block; font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .card .label { color: var(--muted); }
        .table { overflow-x: auto; background: var(--card); border: 1px solid var(--border); border-radius: 8px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid var(--border); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; white-space: nowrap; }
        td:first-child { white-space: nowrap; font-weight: 500; }
        tbody tr:last-child td { border-bottom: none; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .reason, dd { overflow-wrap: anywhere; }
        .badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; color: var(--badge-fg); background: var(--status); white-space: nowrap; }
        .failure { background: var(--card); border: 1px solid var(--border); border-left: 4px solid var(--status); border-radius: 8px; padding: 12px 16px; margin-bottom: 12px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        dt { color: var(--muted); }
        dd { margin: 0; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        footer { color: var(--muted); font-size: 12px; margin-top: 28px; }
        .s-healthy { --status: var(--healthy); }
        .s-degraded { --status: var(--degraded); }
        .s-unhealthy { --status: var(--unhealthy); }
        .s-unreachable { --status: var(--unreachable); }
        .s-circuitopen { --status: var(--circuit); }
        .chart-card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 12px 16px; margin-bottom: 12px; }
        .chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
        .chart-grid .chart-card { margin-bottom: 0; }
        .chart-card h3 { margin-bottom: 4px; }
        .chart-card p { color: var(--muted); margin: 0 0 8px; font-size: 12px; }
        """;

    /// <summary>Services that get latency and budget charts, least available first: beyond this a page grows past what anyone scrolls; the table has them all.</summary>
    internal const int MaxServiceCharts = 24;

    /// <summary>The viewBox width of the charts in the two-column grid, about their drawn width so their text stays readable.</summary>
    private const double HalfWidth = 560;

    public static string Render(HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<title>").Append(Encode(report.Title)).Append(" - ").Append(report.OverallStatus).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append('\n').Append(SvgChart.Css).Append("\n</style>\n</head>\n<body>\n<main>\n");

        html.Append("<header>\n<h1>").Append(Encode(report.Title)).Append("</h1>\n<p class=\"meta\">Generated ")
            .Append(Encode(ReportText.Timestamp(report.GeneratedAt))).Append(report.RunIds.Count == 1 ? " · run " : " · runs ")
            .Append("<code>").Append(Encode(ReportText.Runs(report))).Append("</code> · overall ").Append(Badge(report.OverallStatus))
            .Append("</p>\n</header>\n");

        AppendCards(html, report);
        AppendServices(html, report);
        AppendFailures(html, report);
        AppendTrends(html, report);
        html.Append("<footer>OpsAutomation health report · ").Append(Encode(ReportText.Summary(report))).Append("</footer>\n");
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>The CSS class of a status; enum names, so never anything from the network.</summary>
    private static string StatusClass(HealthStatus status) => "s-" + status.ToString().ToLowerInvariant();

    private static string Badge(HealthStatus status) => $"<span class=\"badge {StatusClass(status)}\">{status}</span>";

    private static void AppendCards(StringBuilder html, HealthReport report)
    {
        html.Append("<section class=\"cards\" aria-label=\"Summary\">\n");
        AppendCard(html, "Services", report.Total, null);
        AppendCard(html, "Healthy", report.Healthy, HealthStatus.Healthy);
        AppendCard(html, "Degraded", report.Degraded, HealthStatus.Degraded);
        AppendCard(html, "Unhealthy", report.Unhealthy, HealthStatus.Unhealthy);
        AppendCard(html, "Unreachable", report.Unreachable, HealthStatus.Unreachable);
        AppendCard(html, "Circuit open", report.CircuitOpen, HealthStatus.CircuitOpen);
        html.Append("</section>\n");
    }

    private static void AppendCard(StringBuilder html, string label, int count, HealthStatus? status)
    {
        html.Append("<div class=\"card").Append(status is { } s ? " " + StatusClass(s) : "").Append("\"><span class=\"count\">")
            .Append(count).Append("</span><span class=\"label\">").Append(label).Append("</span></div>\n");
    }

    private static void AppendServices(StringBuilder html, HealthReport report)
    {
        html.Append("<h2>Services</h2>\n<div class=\"table\">\n<table id=\"services\">\n<thead><tr><th>Name</th><th>Kind</th><th>Status</th>")
            .Append("<th class=\"num\">Code</th><th class=\"num\">Time (ms)</th><th>Severity</th><th>Owner</th><th>Reason</th></tr></thead>\n<tbody>\n");
        foreach (var r in report.Results)
        {
            html.Append("<tr data-status=\"").Append(r.Status).Append("\"><td>").Append(Encode(r.Name)).Append("</td><td>").Append(r.Kind)
                .Append("</td><td>").Append(Badge(r.Status)).Append("</td><td class=\"num\">").Append(ReportText.StatusCode(r))
                .Append("</td><td class=\"num\">").Append(ReportText.ResponseTime(r)).Append("</td><td>").Append(r.Severity)
                .Append("</td><td>").Append(Encode(r.Owner)).Append("</td><td class=\"reason\">").Append(Encode(r.Error)).Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</div>\n");
    }

    private static void AppendFailures(StringBuilder html, HealthReport report)
    {
        var failing = report.Results.Where(r => r.Status != HealthStatus.Healthy).ToList();
        if (failing.Count == 0) return;
        html.Append("<h2>Failing</h2>\n");
        foreach (var r in failing)
        {
            html.Append("<article class=\"failure ").Append(StatusClass(r.Status)).Append("\">\n<h3>").Append(Encode(r.Name)).Append(' ')
                .Append(Badge(r.Status)).Append("</h3>\n<dl>\n");
            AppendTerm(html, "Target", "<code>" + Encode(r.Target) + "</code>");
            AppendTerm(html, "Error kind", r.ErrorKind.ToString());
            AppendTerm(html, "Error", Encode(r.Error));
            AppendTerm(html, "Attempts", Encode(ReportText.Attempts(r)));
            if (r.Status == HealthStatus.CircuitOpen && r.NextProbeAt is { } next) AppendTerm(html, "Next probe", Encode(ReportText.Timestamp(next)));
            foreach (var (key, value) in ReportText.SelectedDetails(r)) AppendTerm(html, Encode(key), Encode(value));
            html.Append("</dl>\n</article>\n");
        }
    }

    private static void AppendTrends(StringBuilder html, HealthReport report)
    {
        if (report.Trends.Count == 0) return;
        html.Append("<h2>Trends <small>(").Append(Encode(ReportText.TrendScope(report))).Append(")</small></h2>\n");
        if (report.TrendSeries.Count > 0) AppendStatusTimeline(html, report);
        html.Append("<div class=\"table\">\n<table id=\"trends\">\n<thead><tr><th>Name</th>");
        foreach (var heading in ReportText.TrendHeadings)
            html.Append("<th class=\"num\">").Append(heading).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var t in report.Trends)
        {
            html.Append("<tr data-status=\"").Append(t.LastStatus).Append("\"><td>").Append(Encode(t.Name)).Append("</td>");
            foreach (var cell in ReportText.TrendCells(t))
            {
                html.Append("<td class=\"num\">").Append(Encode(cell)).Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</div>\n");
        AppendTrendCharts(html, report);
    }

    /// <summary>The status of every service over the window, one lane each, coloured by each bucket's worst status.</summary>
    private static void AppendStatusTimeline(StringBuilder html, HealthReport report)
    {
        var lanes = report.TrendSeries.Select(series => new StatusLane(series.Name, Segments(series))).ToList();
        var (from, to) = (report.TrendSeries[0].From, report.TrendSeries[0].To);
        html.Append("<div class=\"chart-card\">\n<h3>Status over the window</h3>\n")
            .Append(new StatusTimelineChart { Id = "status-timeline", Title = "Status of each service over the window", From = from, To = to, Lanes = lanes }.Render())
            .Append("\n</div>\n");
    }

    /// <summary>
    /// A status holds until the next check: a bucket's segment reaches the next bucket with checks
    /// when that is no further than the service's usual spacing (so checks every minute in 30 s
    /// buckets draw a solid lane), and ends with its bucket across a longer gap, which stays blank.
    /// </summary>
    private static List<StatusSegment> Segments(HealthTrendSeries series)
    {
        var checkedBuckets = series.Buckets.Select((bucket, index) => (Bucket: bucket, Index: index)).Where(b => b.Bucket.WorstStatus is not null).ToList();
        var spacings = checkedBuckets.Zip(checkedBuckets.Skip(1), (a, b) => b.Index - a.Index).Order().ToList();
        var usual = spacings.Count == 0 ? 1 : spacings[spacings.Count / 2];
        var segments = new List<StatusSegment>(checkedBuckets.Count);
        for (var i = 0; i < checkedBuckets.Count; i++)
        {
            var (b, index) = checkedBuckets[i];
            var end = i + 1 < checkedBuckets.Count && checkedBuckets[i + 1].Index - index <= usual ? checkedBuckets[i + 1].Bucket.Start : b.End;
            segments.Add(new StatusSegment(b.Start, end, b.WorstStatus!.Value.ToString())
            {
                Rank = (int)b.WorstStatus.Value,
                Title = string.Create(CultureInfo.InvariantCulture,
                    $"{series.Name}, {ReportText.Timestamp(b.Start)} to {ReportText.Timestamp(b.End)}: {b.Checks} checks, {b.Failures} failed, worst {b.WorstStatus}"),
            });
        }
        return segments;
    }

    /// <summary>Per service, least available first: response time percentiles per bucket and, with an SLO, the error budget burning down.</summary>
    private static void AppendTrendCharts(StringBuilder html, HealthReport report)
    {
        if (report.TrendSeries.Count == 0) return;
        var shown = report.TrendSeries.Take(MaxServiceCharts).ToList();
        html.Append("<h2>Response times").Append(report.SloTargetPercent is null ? "" : " and error budget").Append("</h2>\n");
        if (report.TrendSeries.Count > shown.Count)
            html.Append("<p class=\"meta\">Charts of the ").Append(shown.Count).Append(" least available services; the trends table has all ").Append(report.TrendSeries.Count).Append(".</p>\n");
        html.Append("<div class=\"chart-grid\">\n");
        for (var i = 0; i < shown.Count; i++)
        {
            var series = shown[i];
            var number = (i + 1).ToString(CultureInfo.InvariantCulture);
            html.Append("<section class=\"chart-card\" aria-label=\"").Append(Encode(series.Name)).Append("\">\n<h3>").Append(Encode(series.Name)).Append("</h3>\n<p>")
                .Append(Encode($"Buckets of {DurationText.Format(series.BucketSize)}")).Append("</p>\n");
            html.Append(new LineChart
            {
                Id = "latency-" + number,
                Title = $"{series.Name}: response time p50, p95 and p99 in ms",
                Width = HalfWidth,
                From = series.From,
                To = series.To,
                Unit = "ms",
                Series =
                [
                    Percentile("p50", series, b => b.P50Ms),
                    Percentile("p95", series, b => b.P95Ms),
                    Percentile("p99", series, b => b.P99Ms),
                ],
            }.Render()).Append('\n');
            if (report.SloTargetPercent is { } slo) html.Append(BudgetChart(series, slo, number)).Append('\n');
            html.Append("</section>\n");
        }
        html.Append("</div>\n");
    }

    private static ChartSeries Percentile(string name, HealthTrendSeries series, Func<HealthTrendBucket, double?> value) =>
        new(name, series.Buckets.Where(b => value(b) is not null).Select(b => new TimePoint(b.Start + (b.End - b.Start) / 2, value(b)!.Value)).ToList());

    /// <summary>The budget left after each bucket, starting full at the window's start; the zero line is where the SLO is missed.</summary>
    private static string BudgetChart(HealthTrendSeries series, double slo, string number)
    {
        var points = series.Buckets.Where(b => b.ErrorBudgetRemainingPercent is not null)
            .Select(b => new TimePoint(b.End, b.ErrorBudgetRemainingPercent!.Value))
            .Prepend(new TimePoint(series.From, 100))
            .ToList();
        var target = ReportText.Number(slo, "0.###");
        return new LineChart
        {
            Id = "budget-" + number,
            Title = $"{series.Name}: error budget left in % against the SLO of {target}%",
            Width = HalfWidth,
            From = series.From,
            To = series.To,
            Unit = "%",
            YMax = 100,
            Series = [new ChartSeries("budget left", points)],
            Thresholds = [new ChartThreshold(0, $"SLO {target}% missed below")],
        }.Render();
    }

    private static void AppendTerm(StringBuilder html, string term, string encodedValue)
    {
        if (encodedValue.Length > 0) html.Append("<dt>").Append(term).Append("</dt><dd>").Append(encodedValue).Append("</dd>\n");
    }
}
