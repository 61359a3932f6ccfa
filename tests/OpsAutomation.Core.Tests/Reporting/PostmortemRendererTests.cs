using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed class PostmortemRendererTests : IDisposable
{
    private static readonly DateTimeOffset Opened = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Opened.AddHours(3));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] Sections =
        ["Summary", "Impact", "Root causes", "Trigger", "Resolution", "Detection", "Action items", "Lessons learned", "Timeline", "Supporting information"];

    internal static Incident Sample(string title = "checkout is Unhealthy") => new()
    {
        Id = "INC-20261207-0007",
        Title = title,
        Service = "checkout",
        Severity = HealthSeverity.Critical,
        State = IncidentState.Resolved,
        Owner = "alice",
        Fingerprint = "health:checkout",
        LikelyCause = "payments",
        Suspects = ["run-42 checkout revision 7"],
        DetectedAt = Opened.AddMinutes(-3),
        OpenedAt = Opened,
        AcknowledgedAt = Opened.AddMinutes(5),
        MitigatedAt = Opened.AddMinutes(20),
        ResolvedAt = Opened.AddMinutes(45),
        Timestamp = Opened.AddMinutes(45),
        Signals =
        [
            new IncidentSignal { Kind = IncidentSignalKind.Health, Fingerprint = "health:checkout", Service = "checkout", Firing = true, Summary = "checkout is Unhealthy: 503",
                Timestamp = Opened.AddMinutes(-3), Details = new Dictionary<string, string> { ["dashboard"] = "https://grafana.example/d/checkout" } },
        ],
        Timeline =
        [
            new IncidentTimelineEntry { Timestamp = Opened, Kind = IncidentEventKind.Detected, Actor = "detector", Message = "opened from health:checkout" },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(2), Kind = IncidentEventKind.Diagnostics, Actor = "ops@box", Message = "Diagnostics collected: 8 of 9 sources succeeded",
                Details = new Dictionary<string, string> { ["path"] = "/var/ops/diagnostics-INC-20261207-0007-20261207T090200Z", ["source.pod-logs"] = "Succeeded (1.2s)" } },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(5), Kind = IncidentEventKind.StateChange, Actor = "alice", Message = "Acknowledged" },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(10), Kind = IncidentEventKind.Action, Actor = "runbook", Message = "restart deployment checkout",
                Details = new Dictionary<string, string> { ["outcome"] = "Failed", ["target"] = "deployment/checkout" } },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(18), Kind = IncidentEventKind.Action, Actor = "runbook", Message = "rollback deployment checkout to revision 6",
                Details = new Dictionary<string, string> { ["outcome"] = "Succeeded" } },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(19), Kind = IncidentEventKind.Verification, Actor = "runbook", Message = "health re-check not verified: still 503",
                Details = new Dictionary<string, string> { ["outcome"] = "Failed", ["verified"] = "false" } },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(20), Kind = IncidentEventKind.StateChange, Actor = "alice", Message = "Mitigated" },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(30), Kind = IncidentEventKind.Note, Actor = "bob", Message = "payments' certificate expired" },
            new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(45), Kind = IncidentEventKind.StateChange, Actor = "detector", Message = "Resolved" },
        ],
    };

    [Fact]
    public void The_markdown_draft_has_every_section_of_the_SRE_layout_in_order()
    {
        var md = MarkdownPostmortemRenderer.Render(PostmortemBuilder.Build(Sample(), ["alice", "bob"], _time.GetUtcNow()));

        var positions = Sections.Select(s => md.IndexOf("\n## " + s + "\n", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.Order(), positions);
        Assert.StartsWith("# Post-mortem: checkout is Unhealthy\n", md, StringComparison.Ordinal);
        Assert.Contains("- **Authors:** alice, bob", md, StringComparison.Ordinal);
        Assert.Contains("- **Date:** 2026-12-07", md, StringComparison.Ordinal);
        Assert.Contains("- **Status:** Draft, for review", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_draft_is_filled_from_the_incident_causes_times_actions_timeline_and_bundles()
    {
        var md = MarkdownPostmortemRenderer.Render(PostmortemBuilder.Build(Sample(), null, _time.GetUtcNow()));

        Assert.Contains("Likely cause: payments", md, StringComparison.Ordinal);
        Assert.Contains("Suspect deployment shortly before it opened: run-42 checkout revision 7", md, StringComparison.Ordinal);
        Assert.Contains("| Time to detect | 3m 00s |", md, StringComparison.Ordinal);
        Assert.Contains("| Time to acknowledge | 5m 00s |", md, StringComparison.Ordinal);
        Assert.Contains("| Time to mitigate | 20m 00s |", md, StringComparison.Ordinal);
        Assert.Contains("| Time to resolve | 45m 00s |", md, StringComparison.Ordinal);
        // Action items: the failed restart, the unverified check and the note; not the rollback that worked.
        Assert.Contains("did not succeed: restart deployment checkout | mitigate | alice |", md, StringComparison.Ordinal);
        Assert.Contains("did not succeed: health re-check not verified: still 503", md, StringComparison.Ordinal);
        Assert.Contains("Follow up the note by bob: payments' certificate expired", md, StringComparison.Ordinal);
        Assert.DoesNotContain("did not succeed: rollback", md, StringComparison.Ordinal);
        // Every timeline entry, with its timestamp.
        Assert.Equal(9, md.Split('\n').Count(l => l.StartsWith("| 2026-12-07 ", StringComparison.Ordinal) && !l.Contains("| Health |", StringComparison.Ordinal)));
        Assert.Contains("| 2026-12-07 09:30:00 UTC | Note | bob | payments' certificate expired |", md, StringComparison.Ordinal);
        Assert.Contains("/var/ops/diagnostics-INC-20261207-0007-20261207T090200Z", md, StringComparison.Ordinal);
        Assert.Contains("https://grafana.example/d/checkout", md, StringComparison.Ordinal);
        Assert.Contains("> _To fill in:_", md, StringComparison.Ordinal);
        Assert.Contains("### Where we got lucky", md, StringComparison.Ordinal);
    }

    [Fact]
    public void An_open_incident_says_how_far_it_got()
    {
        var open = Sample() with { State = IncidentState.Acknowledged, MitigatedAt = null, ResolvedAt = null };
        var md = MarkdownPostmortemRenderer.Render(PostmortemBuilder.Build(open, null, _time.GetUtcNow()));
        Assert.Contains("| Time to resolve | not yet |", md, StringComparison.Ordinal);
        Assert.Contains("Draft (incident Acknowledged)", md, StringComparison.Ordinal);
        Assert.Contains("Not mitigated or resolved yet.", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_draft_is_self_contained_and_has_every_section()
    {
        var html = HtmlPostmortemRenderer.Render(PostmortemBuilder.Build(Sample(), null, _time.GetUtcNow()));

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("content=\"default-src 'none'; style-src 'unsafe-inline'\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html.Replace("default-src", "", StringComparison.Ordinal).Replace("style-src", "", StringComparison.Ordinal), StringComparison.Ordinal);
        foreach (var section in Sections) Assert.Contains($"<h2>{section}</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<td>Time to detect</td><td>3m 00s</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Figures_go_between_the_header_and_the_first_section_with_the_charts_style_only_then()
    {
        var draft = PostmortemBuilder.Build(Sample(), null, _time.GetUtcNow());

        var plain = HtmlPostmortemRenderer.Render(draft);
        var html = HtmlPostmortemRenderer.Render(draft, "<figure data-chart=\"t\"></figure>");

        var figure = html.IndexOf("<figure data-chart=\"t\">", StringComparison.Ordinal);
        Assert.InRange(figure, html.IndexOf("</header>", StringComparison.Ordinal), html.IndexOf("<h2>", StringComparison.Ordinal));
        Assert.Contains(OpsAutomation.Core.Reporting.Charts.SvgChart.Css, html, StringComparison.Ordinal);
        Assert.DoesNotContain(OpsAutomation.Core.Reporting.Charts.SvgChart.Css, plain, StringComparison.Ordinal);
    }

    [Fact]
    public void Markup_in_an_incident_title_message_or_detail_renders_as_text_in_html_and_markdown()
    {
        const string Title = "<script>alert('x')</script> checkout <img src=x onerror=alert(1)>";
        var incident = Sample(Title) with
        {
            Timeline = [.. Sample().Timeline, new IncidentTimelineEntry { Timestamp = Opened.AddMinutes(40), Kind = IncidentEventKind.Note, Actor = "<b>eve</b>",
                Message = "see </td></tr></table><script>steal()</script>" }],
        };
        var draft = PostmortemBuilder.Build(incident, ["<i>mallory</i>"], _time.GetUtcNow());

        var html = HtmlPostmortemRenderer.Render(draft);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>eve", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>mallory", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; checkout", html, StringComparison.Ordinal);
        Assert.Contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;steal()&lt;/script&gt;", html, StringComparison.Ordinal);

        var md = MarkdownPostmortemRenderer.Render(draft);
        Assert.DoesNotContain("<script>", md, StringComparison.Ordinal);
        Assert.Contains("\\<script\\>", md, StringComparison.Ordinal);
        // A table cell stays one cell.
        Assert.Contains("| \\<b\\>eve\\</b\\> | see \\</td\\>\\</tr\\>\\</table\\>\\<script\\>steal()\\</script\\> |", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_writer_writes_both_forms_by_default_named_for_the_incident()
    {
        var written = await PostmortemWriter.WriteAsync(Sample(), _dir.Path, [PostmortemFormat.Markdown, PostmortemFormat.Html], null, _time, CancellationToken.None);

        Assert.Equal([PostmortemFormat.Markdown, PostmortemFormat.Html], written.Select(w => w.Format));
        Assert.Equal(Path.Combine(_dir.Path, "postmortem-INC-20261207-0007.md"), written[0].Path);
        Assert.Equal(Path.Combine(_dir.Path, "postmortem-INC-20261207-0007.html"), written[1].Path);
        Assert.All(written, w => Assert.Equal(new FileInfo(w.Path).Length, w.Bytes));
        Assert.Equal(2, Directory.GetFiles(_dir.Path).Length);
    }

    [Theory]
    [InlineData(IncidentEventKind.Action, "outcome", "Failed", true)]
    [InlineData(IncidentEventKind.Action, "outcome", "RateLimited", true)]
    [InlineData(IncidentEventKind.Action, "outcome", "Refused", true)]
    [InlineData(IncidentEventKind.Verification, "verified", "false", true)]
    [InlineData(IncidentEventKind.Action, "escalate", "true", true)]
    [InlineData(IncidentEventKind.Verification, "escalate", "true", true)]
    [InlineData(IncidentEventKind.Action, "outcome", "Succeeded", false)]
    [InlineData(IncidentEventKind.Action, "outcome", "Skipped", false)]
    [InlineData(IncidentEventKind.Verification, "verified", "true", false)]
    // Only what the runbook engine writes counts: other keys are no outcome.
    [InlineData(IncidentEventKind.Action, "result", "Failed", false)]
    [InlineData(IncidentEventKind.Action, "status", "Timed out", false)]
    public void A_remediation_entry_is_failed_by_what_the_runbook_engine_writes(IncidentEventKind kind, string key, string value, bool failed)
    {
        var entry = new IncidentTimelineEntry { Timestamp = Opened, Kind = kind, Actor = "runbook:restart", Message = "restart",
            Details = new Dictionary<string, string> { [key] = value } };
        Assert.Equal(failed, PostmortemBuilder.Failed(entry));
    }
}
