using OpsAutomation.Core.Reporting;
using OpsAutomation.Models.Health;
using static OpsAutomation.Core.Tests.Reporting.ReportSamples;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed class MarkdownHealthReportRendererTests
{
    private static readonly string Markdown = MarkdownHealthReportRenderer.Render(Report());

    private static string[] Lines => Markdown.Split('\n');

    [Fact]
    public void Starts_with_the_title_time_runs_overall_status_and_counts()
    {
        Assert.StartsWith("# Prod health\n", Markdown);
        Assert.Contains("Generated 2025-03-14 09:26:53 UTC · runs run-1, run-2 · overall **Unreachable**", Markdown);
        Assert.Contains("6 services: 2 healthy, 1 degraded, 1 unhealthy, 1 unreachable, 1 circuit open", Markdown);
    }

    [Fact]
    public void Has_one_table_row_per_service_worst_first()
    {
        var header = Array.IndexOf(Lines, "| Name | Kind | Status | Code | Time (ms) | Severity | Owner | Reason |");
        Assert.True(header >= 0, Markdown);
        var rows = Lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.Equal(WorstFirst, rows.Select(r => r.Split(" | ")[0].TrimStart('|', ' ')));
        Assert.Contains("| db | Tcp | Unreachable |  | 42 | Warning | team-ops | Connection refused |", rows);
        Assert.Contains("| queue | Http | CircuitOpen |  |  | Warning | team-ops | not probed: the circuit is open |", rows);
    }

    [Fact]
    public void The_failing_section_details_every_service_that_is_not_healthy()
    {
        var failing = Markdown[Markdown.IndexOf("## Failing", StringComparison.Ordinal)..Markdown.IndexOf("## Trends", StringComparison.Ordinal)];
        Assert.Equal(["queue", "db", "api", "cache"], Lines.Where(l => l.StartsWith("### ", StringComparison.Ordinal)).Select(l => l[4..l.IndexOf(' ', 4)]));
        Assert.DoesNotContain("### web", failing);
        Assert.Contains("- Target: https://api.internal/healthz", failing);
        Assert.Contains("- Error kind: HttpStatus", failing);
        Assert.Contains("- Attempts: 3 (first attempt Unreachable)", failing);
        Assert.Contains("  - ContentLength: 1234\n  - ContentType: text/html\n", failing);
        Assert.DoesNotContain("Empty", failing);
        Assert.Contains("- Next probe: 2025-03-14 09:31:53 UTC", failing);
    }

    [Fact]
    public void The_trends_table_has_the_window_slo_and_figures()
    {
        Assert.Contains("## Trends (last 1d 0h, SLO 99.9%)", Markdown);
        Assert.Contains("| Name | Availability % | Checks | Failures | p50 ms | p95 ms | p99 ms | Longest outage | SLO % | Budget left % | Burn rate |", Markdown);
        Assert.Contains("| api | 99.875 | 1440 | 2 | 12 | 80 | 250 | 7m 30s | 99.9 | -25 | 1.25 |", Markdown);
    }

    [Fact]
    public void Without_trends_or_failures_those_sections_are_left_out()
    {
        var markdown = MarkdownHealthReportRenderer.Render(HealthReportBuilder.Build("t", Now, [Result("web", HealthStatus.Healthy)]));
        Assert.DoesNotContain("## Failing", markdown);
        Assert.DoesNotContain("## Trends", markdown);
    }

    [Fact]
    public void Pipes_and_line_breaks_from_the_network_cannot_break_a_table_row()
    {
        var result = Result("a|b", HealthStatus.Unhealthy) with { Error = "first line\r\nsecond | line" };
        var markdown = MarkdownHealthReportRenderer.Render(HealthReportBuilder.Build("t", Now, [result]));
        var row = markdown.Split('\n').Single(l => l.StartsWith("| a", StringComparison.Ordinal));
        Assert.Equal(@"| a\|b | Http | Unhealthy | 200 | 42 | Warning | team-ops | first line second \| line |", row);
    }

    [Fact]
    public void Html_and_links_in_text_are_escaped()
    {
        Assert.DoesNotContain("<script>", Markdown);
        Assert.Contains(@"\<script\>alert('x')\</script\>", Markdown);
        Assert.Equal(@"\[click\](http://evil) \*x\* \`y\`", MarkdownHealthReportRenderer.Escape("[click](http://evil) *x* `y`"));
    }
}
