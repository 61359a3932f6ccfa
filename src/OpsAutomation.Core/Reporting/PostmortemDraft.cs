using System.Globalization;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Incidents.Runbooks;
using OpsAutomation.Core.Reporting.Charts;
using OpsAutomation.Models;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Reporting;

/// <summary>A post-mortem as its renderers see it: a title, the header fields, then sections of blocks. All text is plain (renderers escape it).</summary>
public sealed record PostmortemDraft(string Title, IReadOnlyList<KeyValuePair<string, string>> Header, IReadOnlyList<PostmortemSection> Sections);

/// <summary>One section (Summary, Impact ...) and what it holds.</summary>
public sealed record PostmortemSection(string Heading, IReadOnlyList<PostmortemBlock> Blocks);

/// <summary>A piece of a section.</summary>
public abstract record PostmortemBlock;

/// <summary>A paragraph; a prompt is a question left for the authors to answer, shown as such.</summary>
public sealed record PostmortemParagraph(string Text, bool Prompt = false) : PostmortemBlock;

/// <summary>A sub-heading inside a section (Lessons learned: What went well ...).</summary>
public sealed record PostmortemSubheading(string Text) : PostmortemBlock;

/// <summary>A bulleted list.</summary>
public sealed record PostmortemList(IReadOnlyList<string> Items) : PostmortemBlock;

/// <summary>A table with headings; every row has as many cells.</summary>
public sealed record PostmortemTable(IReadOnlyList<string> Headings, IReadOnlyList<IReadOnlyList<string>> Rows) : PostmortemBlock;

/// <summary>The incident's timeline as a chart of events; renderers that cannot draw leave it out (the timeline table follows it).</summary>
/// <param name="Title">What the chart shows, for its label.</param>
/// <param name="Events">One per timeline entry, milestones emphasised.</param>
public sealed record PostmortemEventChart(string Title, IReadOnlyList<ChartEvent> Events) : PostmortemBlock;

/// <summary>
/// Fills a post-mortem draft in the Google SRE layout from an incident and its timeline: title,
/// date, authors and status; summary; impact; root causes (the likely cause service and suspect
/// deployments as candidates); trigger (the first signal); resolution; detection, with time to
/// detect, acknowledge, mitigate and resolve; action items (from failed or unverified remediation
/// and people's notes); lessons learned (as prompts); the whole timeline; supporting information
/// (diagnostics bundles, links). What the module cannot know is a prompt for the authors.
/// </summary>
public static class PostmortemBuilder
{
    public static PostmortemDraft Build(Incident incident, IReadOnlyList<string>? authors, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var timeline = incident.Timeline.OrderBy(e => e.Timestamp).ToList();
        var header = new List<KeyValuePair<string, string>>
        {
            new("Incident", incident.Id),
            new("Date", incident.OpenedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            new("Authors", authors is { Count: > 0 } ? string.Join(", ", authors) : incident.Owner ?? "(to be named)"),
            new("Status", incident.IsOpen ? $"Draft (incident {incident.State})" : "Draft, for review"),
            new("Service", incident.Service),
            new("Severity", incident.Severity.ToString()),
            new("Generated", ReportText.Timestamp(now)),
        };
        var sections = new List<PostmortemSection>
        {
            new("Summary", Summary(incident, now)),
            new("Impact", Impact(incident, now)),
            new("Root causes", RootCauses(incident)),
            new("Trigger", Trigger(incident)),
            new("Resolution", Resolution(incident, timeline)),
            new("Detection", Detection(incident)),
            new("Action items", ActionItems(incident, timeline)),
            new("Lessons learned", Lessons(timeline)),
            new("Timeline", TimelineBlocks(timeline)),
            new("Supporting information", Supporting(incident, timeline)),
        };
        return new PostmortemDraft($"Post-mortem: {incident.Title}", header, sections);
    }

    /// <summary>The incident's <see cref="IncidentTimes"/> (as Measure-Incident defines them), named for the report; null where the incident has not got there.</summary>
    public static IReadOnlyList<(string Name, TimeSpan? Value)> Durations(Incident incident)
    {
        var times = IncidentTimes.Of(incident);
        return
        [
            ("Time to detect", times.Detect),
            ("Time to acknowledge", times.Acknowledge),
            ("Time to mitigate", times.Mitigate),
            ("Time to resolve", times.Resolve),
        ];
    }

    private static List<PostmortemBlock> Summary(Incident incident, DateTimeOffset now)
    {
        var end = incident.ResolvedAt is { } resolved ? $"resolved at {ReportText.Timestamp(resolved)}" : $"still {incident.State} at {ReportText.Timestamp(now)}";
        return
        [
            new PostmortemParagraph($"{incident.Title}. {incident.Severity} incident on {incident.Service}, detected at {ReportText.Timestamp(incident.DetectedAt)}, {end} "
                + $"({DurationText.Format((incident.ResolvedAt ?? now) - incident.DetectedAt)})."),
            new PostmortemParagraph("In two or three sentences: what happened, to whom, and why it stopped.", Prompt: true),
        ];
    }

    private static List<PostmortemBlock> Impact(Incident incident, DateTimeOffset now)
    {
        var services = incident.Signals.Select(s => s.Service).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        var firing = incident.Signals.Count(s => s.Firing);
        var items = new List<string>
        {
            $"Services with signals: {string.Join(", ", services.Count == 0 ? [incident.Service] : services)}",
            string.Create(CultureInfo.InvariantCulture, $"Signals: {incident.Signals.Count} kept ({firing} firing), highest severity {incident.Severity}"),
            $"Duration: {DurationText.Format((incident.ResolvedAt ?? now) - incident.DetectedAt)}{(incident.ResolvedAt is null ? " so far" : "")}",
        };
        if (incident.Reopened > 0) items.Add(string.Create(CultureInfo.InvariantCulture, $"Reopened {incident.Reopened} time{(incident.Reopened == 1 ? "" : "s")} after resolving"));
        return [new PostmortemList(items), new PostmortemParagraph("Who was affected and how (users, requests failed, revenue, data)?", Prompt: true)];
    }

    private static List<PostmortemBlock> RootCauses(Incident incident)
    {
        var candidates = new List<string>();
        if (incident.LikelyCause is { } cause)
            candidates.Add($"Likely cause: {cause}, a service {incident.Service} depends on, had an incident of its own at the same time.");
        candidates.AddRange(incident.Suspects.Select(s => $"Suspect deployment shortly before it opened: {s}"));
        var blocks = new List<PostmortemBlock>();
        if (candidates.Count > 0)
        {
            blocks.Add(new PostmortemParagraph("Candidates the module found (to confirm or rule out):"));
            blocks.Add(new PostmortemList(candidates));
        }
        else
        {
            blocks.Add(new PostmortemParagraph("The module found no candidate: no dependency had an incident and no deployment preceded it."));
        }
        blocks.Add(new PostmortemParagraph("What was the root cause, and why did the defences not stop it?", Prompt: true));
        return blocks;
    }

    private static List<PostmortemBlock> Trigger(Incident incident)
    {
        if (incident.Signals.OrderBy(s => s.Timestamp).FirstOrDefault() is not { } first)
            return [new PostmortemParagraph("Opened by hand; no signal is recorded."), new PostmortemParagraph("What set it off?", Prompt: true)];
        return
        [
            new PostmortemParagraph($"First signal at {ReportText.Timestamp(first.Timestamp)}: {first.Kind} {first.Fingerprint}: {first.Summary}"),
            new PostmortemParagraph("What change or event set it off?", Prompt: true),
        ];
    }

    private static List<PostmortemBlock> Resolution(Incident incident, List<IncidentTimelineEntry> timeline)
    {
        var steps = timeline.Where(e => e.Kind is IncidentEventKind.Action or IncidentEventKind.Verification || (e.Kind == IncidentEventKind.StateChange
                && (e.Message.Contains("Mitigated", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("Resolved", StringComparison.OrdinalIgnoreCase))))
            .Select(e => $"{ReportText.Timestamp(e.Timestamp)} {e.Kind} by {e.Actor}: {e.Message}{(Failed(e) ? " (did not succeed)" : "")}").ToList();
        var blocks = new List<PostmortemBlock>
        {
            new PostmortemParagraph(incident.ResolvedAt is { } resolved
                ? $"Resolved at {ReportText.Timestamp(resolved)}{(incident.MitigatedAt is { } mitigated ? $", mitigated at {ReportText.Timestamp(mitigated)}" : "")}."
                : incident.MitigatedAt is { } m ? $"Mitigated at {ReportText.Timestamp(m)}; not resolved yet." : "Not mitigated or resolved yet."),
        };
        if (steps.Count > 0) blocks.Add(new PostmortemList(steps));
        blocks.Add(new PostmortemParagraph("What stopped the impact, and what fixed the cause?", Prompt: true));
        return blocks;
    }

    private static List<PostmortemBlock> Detection(Incident incident)
    {
        var first = incident.Signals.OrderBy(s => s.Timestamp).FirstOrDefault();
        var rows = Durations(incident).Select(d => (IReadOnlyList<string>)[d.Name, d.Value is { } v ? DurationText.Format(v) : "not yet"]).ToList();
        return
        [
            new PostmortemParagraph(first is null
                ? $"Opened by hand at {ReportText.Timestamp(incident.OpenedAt)}."
                : $"Detected by a {first.Kind} signal at {ReportText.Timestamp(incident.DetectedAt)}; the incident opened at {ReportText.Timestamp(incident.OpenedAt)}"
                  + $"{(incident.AcknowledgedAt is { } ack ? $" and was acknowledged at {ReportText.Timestamp(ack)}{(incident.Owner is null ? "" : " by " + incident.Owner)}" : "")}."),
            new PostmortemTable(["Measure", "Value"], rows),
            new PostmortemParagraph("Times to acknowledge, mitigate and resolve count from the opening; time to detect from the first signal to the opening."),
            new PostmortemParagraph("Could it have been detected sooner, or by a user-facing signal?", Prompt: true),
        ];
    }

    private static List<PostmortemBlock> ActionItems(Incident incident, List<IncidentTimelineEntry> timeline)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var e in timeline)
        {
            if (e.Kind is IncidentEventKind.Action or IncidentEventKind.Verification && Failed(e))
                rows.Add([$"Find out why this {(e.Kind == IncidentEventKind.Action ? "remediation" : "verification")} did not succeed: {e.Message}", "mitigate", incident.Owner ?? "", ReportText.Timestamp(e.Timestamp)]);
            else if (e.Kind == IncidentEventKind.Note)
                rows.Add([$"Follow up the note by {e.Actor}: {e.Message}", "follow-up", incident.Owner ?? "", ReportText.Timestamp(e.Timestamp)]);
        }
        var blocks = new List<PostmortemBlock>();
        blocks.Add(rows.Count > 0
            ? new PostmortemTable(["Action item", "Type", "Owner", "From"], rows)
            : new PostmortemParagraph("No remediation failed and no note was written."));
        blocks.Add(new PostmortemParagraph("Which changes prevent, detect or mitigate this sooner next time? Give each an owner and a ticket.", Prompt: true));
        return blocks;
    }

    private static List<PostmortemBlock> Lessons(List<IncidentTimelineEntry> timeline)
    {
        var succeeded = timeline.Where(e => e.Kind is IncidentEventKind.Action or IncidentEventKind.Verification && !Failed(e)).Select(e => e.Message).ToList();
        var failed = timeline.Where(e => e.Kind is IncidentEventKind.Action or IncidentEventKind.Verification && Failed(e)).Select(e => e.Message).ToList();
        var blocks = new List<PostmortemBlock> { new PostmortemSubheading("What went well") };
        if (succeeded.Count > 0) blocks.Add(new PostmortemList(succeeded));
        blocks.Add(new PostmortemParagraph("What worked: alerting, runbooks, people, tools?", Prompt: true));
        blocks.Add(new PostmortemSubheading("What went wrong"));
        if (failed.Count > 0) blocks.Add(new PostmortemList(failed));
        blocks.Add(new PostmortemParagraph("What failed or slowed the response?", Prompt: true));
        blocks.Add(new PostmortemSubheading("Where we got lucky"));
        blocks.Add(new PostmortemParagraph("What could have made it much worse, and did not?", Prompt: true));
        return blocks;
    }

    private static List<PostmortemBlock> TimelineBlocks(List<IncidentTimelineEntry> timeline) => timeline.Count == 0
        ? [new PostmortemParagraph("The timeline is empty.")]
        : [new PostmortemEventChart("The incident's timeline: detection, acknowledgement, mitigation and resolution emphasised", [.. timeline.Select(ChartEventOf)]),
            new PostmortemTable(["Time (UTC)", "Event", "By", "What"],
            [.. timeline.Select(e => (IReadOnlyList<string>)[ReportText.Timestamp(e.Timestamp), e.Kind.ToString(), e.Actor, Describe(e)])])];

    private static List<PostmortemBlock> Supporting(Incident incident, List<IncidentTimelineEntry> timeline)
    {
        var blocks = new List<PostmortemBlock>();
        var bundles = timeline.Where(e => e.Kind == IncidentEventKind.Diagnostics).ToList();
        if (bundles.Count > 0)
        {
            blocks.Add(new PostmortemSubheading("Diagnostics bundles"));
            blocks.Add(new PostmortemList([.. bundles.Select(b =>
            {
                var path = b.Details.TryGetValue("path", out var p) ? p : "(no path recorded)";
                var sources = b.Details.Where(d => d.Key.StartsWith("source.", StringComparison.Ordinal)).Select(d => $"{d.Key["source.".Length..]}: {d.Value}");
                return $"{ReportText.Timestamp(b.Timestamp)} {path}: {b.Message}" + (sources.Any() ? " (" + string.Join("; ", sources) + ")" : "");
            })]));
        }
        var links = timeline.SelectMany(e => e.Details.Values).Concat(incident.Signals.SelectMany(s => s.Details.Values))
            .Where(v => Uri.TryCreate(v, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            .Distinct(StringComparer.Ordinal).ToList();
        if (links.Count > 0)
        {
            blocks.Add(new PostmortemSubheading("Links"));
            blocks.Add(new PostmortemList(links));
        }
        if (incident.Signals.Count > 0)
        {
            blocks.Add(new PostmortemSubheading("Signals"));
            blocks.Add(new PostmortemTable(["Time (UTC)", "Kind", "Fingerprint", "Firing", "Summary"],
                [.. incident.Signals.OrderBy(s => s.Timestamp).Select(s => (IReadOnlyList<string>)[ReportText.Timestamp(s.Timestamp), s.Kind.ToString(), s.Fingerprint, s.Firing ? "yes" : "no", s.Summary])]));
        }
        if (blocks.Count == 0) blocks.Add(new PostmortemParagraph("No diagnostics bundle, link or signal is recorded."));
        blocks.Add(new PostmortemParagraph("Add dashboards, graphs and chat logs.", Prompt: true));
        return blocks;
    }

    /// <summary>
    /// A timeline entry as a chart marker: the opening and each state change are milestones,
    /// labelled with the state reached (reopening as such) and coloured by it; other entries are
    /// labelled with their kind and message, and a failed remediation is coloured as failed.
    /// </summary>
    internal static ChartEvent ChartEventOf(IncidentTimelineEntry entry)
    {
        var detail = $"{entry.Kind} by {entry.Actor}: {Describe(entry)}";
        if (entry.Kind == IncidentEventKind.Detected) return new ChartEvent(entry.Timestamp, "Detected") { Emphasized = true, Kind = "open", Detail = detail };
        if (entry.Kind == IncidentEventKind.StateChange)
        {
            var to = entry.Details.TryGetValue("To", out var state) ? state : null;
            var label = to switch { null => entry.Message, nameof(IncidentState.Triggered) => "Reopened", _ => to };
            return new ChartEvent(entry.Timestamp, label) { Emphasized = true, Kind = to == nameof(IncidentState.Triggered) ? "open" : to, Detail = detail };
        }
        var kind = entry.Kind is IncidentEventKind.Action or IncidentEventKind.Verification && Failed(entry) ? "failed" : "info";
        return new ChartEvent(entry.Timestamp, $"{entry.Kind}: {entry.Message}") { Kind = kind, Detail = detail };
    }

    private static string Describe(IncidentTimelineEntry entry)
    {
        if (entry.Details.Count == 0) return entry.Message;
        var details = entry.Details.Where(d => !d.Key.StartsWith("source.", StringComparison.Ordinal)).Select(d => $"{d.Key}={d.Value}").ToList();
        return details.Count == 0 ? entry.Message : $"{entry.Message} ({string.Join(", ", details)})";
    }

    /// <summary>Whether a remediation or verification entry did not succeed, read as the runbook engine writes it (<see cref="RunbookTimeline.DidNotSucceed"/>).</summary>
    internal static bool Failed(IncidentTimelineEntry entry) => RunbookTimeline.DidNotSucceed(entry);
}
