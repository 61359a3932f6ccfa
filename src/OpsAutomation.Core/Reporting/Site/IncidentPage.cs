namespace OpsAutomation.Core.Reporting.Site;

/// <summary>
/// incidents/&lt;id&gt;.html and .md: the incident's post-mortem draft as Export-IncidentPostmortem
/// writes it (the store keeps incidents redacted; the HTML charts its timeline), with links back to
/// the overview and to the Markdown form.
/// </summary>
internal static class IncidentPage
{
    public static (string Html, string Markdown) Render(Models.Incidents.Incident incident, OpsReportOptions options, DateTimeOffset now)
    {
        var draft = PostmortemBuilder.Build(incident, null, now);
        var links = $"<p><a href=\"../{SitePage.Href(SiteFiles.Index, "incidents")}\">{SitePage.Encode(options.Title)}: overview</a> · "
            + $"<a href=\"{SitePage.Href(Path.GetFileName(SiteFiles.Incident(incident.Id, ".md")))}\">Markdown</a></p>\n";
        return (HtmlPostmortemRenderer.Render(draft, links), MarkdownPostmortemRenderer.Render(draft));
    }
}
