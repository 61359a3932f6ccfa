using System.Text;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Reporting;

/// <summary>Renders a report as GitHub-flavoured Markdown: summary, a row per service, the failures in detail, and trends.</summary>
public static class MarkdownHealthReportRenderer
{
    // Characters that would start a link, raw HTML, emphasis or code, or end a table cell.
    private const string MarkdownSpecials = "\\`*_[]<>|";

    public static string Render(HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append("# ").Append(Escape(report.Title)).Append('\n').Append('\n');
        md.Append("Generated ").Append(ReportText.Timestamp(report.GeneratedAt))
            .Append(report.RunIds.Count == 1 ? " · run " : " · runs ").Append(Escape(ReportText.Runs(report)))
            .Append(" · overall **").Append(report.OverallStatus).Append("**\n\n");
        md.Append(ReportText.Summary(report)).Append("\n\n");

        AppendServices(md, report);
        AppendFailures(md, report);
        AppendTrends(md, report);
        return md.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>Escapes Markdown syntax and folds line breaks, so text from the network stays text and a table row stays one row.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var escaped = new StringBuilder(text.Length + 8);
        var lastWasBreak = false;
        foreach (var c in text)
        {
            if (c is '\r' or '\n')
            {
                if (!lastWasBreak) escaped.Append(' ');
                lastWasBreak = true;
                continue;
            }
            lastWasBreak = false;
            if (MarkdownSpecials.Contains(c)) escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    private static void AppendServices(StringBuilder md, HealthReport report)
    {
        md.Append("| Name | Kind | Status | Code | Time (ms) | Severity | Owner | Reason |\n");
        md.Append("|---|---|---|--:|--:|---|---|---|\n");
        foreach (var r in report.Results)
        {
            AppendRow(md, [Escape(r.Name), r.Kind.ToString(), r.Status.ToString(), ReportText.StatusCode(r), ReportText.ResponseTime(r),
                r.Severity.ToString(), Escape(r.Owner), Escape(r.Error)]);
        }
        md.Append('\n');
    }

    private static void AppendFailures(StringBuilder md, HealthReport report)
    {
        var failing = report.Results.Where(r => r.Status != HealthStatus.Healthy).ToList();
        if (failing.Count == 0) return;
        md.Append("## Failing\n\n");
        foreach (var r in failing)
        {
            md.Append("### ").Append(Escape(r.Name)).Append(" (").Append(r.Status).Append(")\n\n");
            AppendItem(md, "Target", Escape(r.Target));
            AppendItem(md, "Error kind", r.ErrorKind.ToString());
            AppendItem(md, "Error", Escape(r.Error));
            AppendItem(md, "Attempts", ReportText.Attempts(r));
            if (r.Status == HealthStatus.CircuitOpen && r.NextProbeAt is { } next) AppendItem(md, "Next probe", ReportText.Timestamp(next));
            var details = ReportText.SelectedDetails(r);
            if (details.Count > 0)
            {
                md.Append("- Details:\n");
                foreach (var (key, value) in details) md.Append("  - ").Append(Escape(key)).Append(": ").Append(Escape(value)).Append('\n');
            }
            md.Append('\n');
        }
    }

    private static void AppendTrends(StringBuilder md, HealthReport report)
    {
        if (report.Trends.Count == 0) return;
        md.Append("## Trends (").Append(Escape(ReportText.TrendScope(report))).Append(")\n\n");
        AppendRow(md, ["Name", .. ReportText.TrendHeadings]);
        md.Append("|---|").Append(string.Concat(ReportText.TrendHeadings.Select(_ => "--:|"))).Append('\n');
        foreach (var t in report.Trends) AppendRow(md, [Escape(t.Name), .. ReportText.TrendCells(t)]);
        md.Append('\n');
    }

    private static void AppendRow(StringBuilder md, IEnumerable<string> cells)
    {
        md.Append('|');
        foreach (var cell in cells) md.Append(' ').Append(cell).Append(" |");
        md.Append('\n');
    }

    private static void AppendItem(StringBuilder md, string label, string value)
    {
        if (value.Length > 0) md.Append("- ").Append(label).Append(": ").Append(value).Append('\n');
    }
}
