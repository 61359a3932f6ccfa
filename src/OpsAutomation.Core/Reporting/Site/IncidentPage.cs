namespace OpsAutomation.Core.Reporting.Site;

/// <summary>
/// incidents/&lt;id&gt;.html and .md: the incident's post-mortem draft as Export-IncidentPostmortem
/// writes it (the store keeps incidents redacted), the HTML with a chart of its timeline and a link back to the overview.
/// </summary>
internal static class IncidentPage
{
    public static (string Html, string Markdown) Render(Models.Incidents.Incident incident, OpsReportOptions options, DateTimeOffset now)
    {
        var draft = PostmortemBuilder.Build(incident, null, now);
        var figures = $"""
            <p><a href="../{SitePage.Href(SiteFiles.Index, "incidents")}">{SitePage.Encode(options.Title)}: overview</a> · <a href="{SitePage.Href(Path.GetFileName(SiteFiles.Incident(incident.Id, ".md")))}">Markdown</a></p>
            <figure data-chart="incident-timeline">
            <figcaption>Timeline of {SitePage.Encode(incident.Id)}: {incident.Timeline.Count} events</figcaption>
            {SiteCharts.IncidentTimeline(incident).Render()}
            </figure>

            """;
        return (HtmlPostmortemRenderer.Render(draft, figures), MarkdownPostmortemRenderer.Render(draft));
    }
}
