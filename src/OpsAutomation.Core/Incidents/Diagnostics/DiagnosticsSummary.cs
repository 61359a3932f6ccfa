using System.Globalization;
using System.Text;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Models;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>
/// summary.md of a bundle: what a responder reads first (crash reasons, restarts, failing checks,
/// the last log lines, recent deployments), then each source's outcome. Text from the cluster and the
/// network is escaped; log lines are quoted in fences longer than any backtick run they hold.
/// </summary>
public static class DiagnosticsSummary
{
    private static readonly (DiagnosticSection Section, string Heading)[] Sections =
    [
        (DiagnosticSection.CrashReasons, "Crash reasons"),
        (DiagnosticSection.Restarts, "Restarts"),
        (DiagnosticSection.FailingChecks, "Failing checks"),
        (DiagnosticSection.LastLogLines, "Last log lines"),
        (DiagnosticSection.RecentDeployments, "Recent deployments"),
        (DiagnosticSection.Events, "Warning events"),
        (DiagnosticSection.Queries, "Prometheus queries"),
    ];

    public static string Render(DiagnosticsBundleRequest request, IReadOnlyList<CollectedSource> collected, DiagnosticsOptions options)
    {
        var md = new StringBuilder(8 * 1024);
        md.Append("# Diagnostics: ").Append(Escape(request.Service)).Append("\n\n");
        if (request.IncidentId is { } id) md.Append("- Incident: ").Append(Escape(id)).Append('\n');
        md.Append("- Collected: ").Append(ReportText.Timestamp(request.CollectedAt)).Append('\n');
        foreach (var line in request.Context) md.Append("- ").Append(Escape(line)).Append('\n');
        var succeeded = collected.Count(c => c.Result.Status == DiagnosticSourceStatus.Succeeded);
        md.Append(CultureInfo.InvariantCulture, $"- Sources: {succeeded} of {collected.Count} succeeded\n\n");

        var findings = collected.SelectMany(c => c.Findings).ToList();
        foreach (var (section, heading) in Sections)
        {
            var items = findings.Where(f => f.Section == section).ToList();
            if (items.Count == 0) continue;
            md.Append("## ").Append(heading).Append("\n\n");
            foreach (var item in items)
            {
                md.Append("- ").Append(Escape(item.Text)).Append('\n');
                if (item.Lines.Count == 0) continue;
                var lines = item.Lines.TakeLast(Math.Max(1, options.SummaryLogLines)).ToList();
                var fence = Fence(lines);
                md.Append('\n').Append("  ").Append(fence).Append("text\n");
                foreach (var line in lines) md.Append("  ").Append(line.Replace('\r', ' ')).Append('\n');
                md.Append("  ").Append(fence).Append("\n\n");
            }
            md.Append('\n');
        }
        if (findings.Count == 0) md.Append("Nothing stands out in what was collected.\n\n");

        md.Append("## Sources\n\n| Source | Status | Duration | File | Error |\n| --- | --- | --- | --- | --- |\n");
        foreach (var c in collected)
        {
            var r = c.Result;
            md.Append("| ").Append(Escape(r.Name)).Append(" | ").Append(r.Status).Append(r.Truncated ? " (truncated)" : "").Append(" | ")
                .Append(DurationText.Format(r.Duration)).Append(" | ").Append(Escape(r.File)).Append(" | ").Append(Escape(r.Error)).Append(" |\n");
        }
        return md.ToString();
    }

    private static string Escape(string? text) => MarkdownHealthReportRenderer.Escape(text);

    /// <summary>A code fence longer than the longest backtick run in <paramref name="lines"/>, at least three.</summary>
    internal static string Fence(IEnumerable<string> lines)
    {
        var longest = 0;
        foreach (var line in lines)
        {
            var run = 0;
            foreach (var c in line)
            {
                run = c == '`' ? run + 1 : 0;
                longest = Math.Max(longest, run);
            }
        }
        return new string('`', Math.Max(3, longest + 1));
    }
}
