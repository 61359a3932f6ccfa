using System.Globalization;
using OpsAutomation.Models;

namespace OpsAutomation.Core.Reporting.Site;

/// <summary>
/// index.html: overall health with each service's status over the window, open incidents, the last
/// deployments and pipeline runs, and links to every other page and to the metrics endpoints.
/// A section without data says what is missing and which cmdlet fills it.
/// </summary>
internal static class LandingPage
{
    public static string Render(OpsReportData data, OpsReportOptions options)
    {
        var page = new SitePage(SiteFiles.Index, options.Title, options.Title, data.GeneratedAt);
        var window = DurationText.Format(options.Window);
        AppendCards(page, data);

        page.Heading("Health", "health");
        if (data.Health.Count == 0)
        {
            page.Empty("No health results in the state store yet.",
                "Run Test-ServiceHealth against a catalog, or Watch-ServiceHealth on a schedule: every result is kept in the health history.");
        }
        else
        {
            page.Chart("health-timeline", $"Status of each service over the last {window}", SiteCharts.HealthTimeline(data.Health, data.From, data.GeneratedAt).Render());
            page.Raw($"<p><a href=\"{SitePage.Href(SiteFiles.Health)}\">Health report</a>: the latest result of each service and its trends over the last {SitePage.Encode(window)}.</p>\n");
        }

        page.Heading("Incidents", "incidents");
        if (data.Incidents.Count == 0)
        {
            page.Empty($"No open incident, and none opened or resolved in the last {window}.",
                "New-Incident opens one by hand; Test-ServiceHealth | New-Incident opens them from failing checks.");
        }
        else
        {
            page.Table("incidents-table", ["Incident", "Title", "Service", "Severity", "State", "Opened", "Post-mortem"], data.Incidents.Select(i => (IReadOnlyList<string>)
            [
                $"<a href=\"{SitePage.Href(SiteFiles.Incident(i.Id, ".html"))}\">{SitePage.Encode(i.Id)}</a>",
                SitePage.Encode(i.Title), SitePage.Encode(i.Service), SitePage.Encode(i.Severity.ToString()), SitePage.Badge(i.State.ToString()),
                SitePage.Encode(SitePage.Time(i.OpenedAt)),
                $"<a href=\"{SitePage.Href(SiteFiles.Incident(i.Id, ".md"))}\">Markdown</a>",
            ]));
        }

        page.Heading("Deployments", "deployments");
        if (data.Deployments.Count == 0)
        {
            page.Empty("No deployment records in the state store yet.", "Invoke-Deployment records every run (and Undo-Deployment every rollback).");
        }
        else
        {
            page.Table("deployments-table", ["Deployment", "Namespace", "Strategy", "Outcome", "Revision", "Started", "Duration"], data.Deployments.Select(d => (IReadOnlyList<string>)
            [
                $"<a href=\"{SitePage.Href(SiteFiles.Deployments, SiteFiles.DeploymentAnchor(d.Id))}\">{SitePage.Encode(d.Name)}</a>",
                SitePage.Encode(d.Namespace), SitePage.Encode(d.Strategy), SitePage.Badge(d.Outcome.ToString()),
                SitePage.Encode(Revisions(d.RevisionBefore, d.RevisionAfter)), SitePage.Encode(SitePage.Time(d.StartedAt)),
                SitePage.Encode(d.Duration is { } duration ? DurationText.Format(duration) : "running"),
            ]));
        }

        page.Heading("Pipelines", "pipelines");
        if (data.Pipelines.Count == 0)
        {
            page.Empty("No pipeline runs in the state store yet.", "Start-DataPipeline records every run with its counts and steps.");
        }
        else
        {
            page.Table("pipelines-table", ["Pipeline", "Last run", "Status", "Read", "Loaded", "Rejected", "Dead-lettered", "Started"],
                data.Pipelines.Where(p => p.Runs.Count > 0).Select(p => (p.Pipeline, Run: p.Runs[0])).Select(p => (IReadOnlyList<string>)
                [
                    $"<a href=\"{SitePage.Href(SiteFiles.Pipelines, SiteFiles.PipelineAnchor(p.Pipeline))}\">{SitePage.Encode(p.Pipeline)}</a>",
                    $"<code>{SitePage.Encode(p.Run.RunId)}</code>", SitePage.Badge(p.Run.Status.ToString()), Count(p.Run.RecordsIn), Count(p.Run.Loaded),
                    Count(p.Run.Rejected), Count(p.Run.DeadLettered), SitePage.Encode(SitePage.Time(p.Run.StartedAt)),
                ]));
        }

        page.Heading("Metrics", "metrics");
        if (options.MetricsUri.Count == 0)
        {
            page.Empty("No metrics endpoint given.", "Export-OpsReport -MetricsUri links the endpoints here (Start-MetricsServer's /metrics, a Pushgateway, Prometheus).");
        }
        else
        {
            page.Raw("<ul id=\"metrics-links\">\n");
            foreach (var uri in options.MetricsUri) page.Raw($"<li><a href=\"{SitePage.Encode(uri.AbsoluteUri)}\">{SitePage.Encode(uri.AbsoluteUri)}</a></li>\n");
            page.Raw("</ul>\n");
        }
        return page.Finish();
    }

    private static void AppendCards(SitePage page, OpsReportData data)
    {
        var last = data.Deployments.Count > 0 ? data.Deployments[0] : null;
        var run = data.Pipelines.SelectMany(p => p.Runs).OrderByDescending(r => r.StartedAt).FirstOrDefault();
        page.Raw("<section class=\"cards\" aria-label=\"Summary\">\n");
        Card(page, data.OverallHealth?.ToString() ?? "No data", "Overall health", data.OverallHealth?.ToString(), SiteFiles.Health, null);
        Card(page, data.OpenIncidents.ToString(CultureInfo.InvariantCulture), "Open incidents", data.OpenIncidents > 0 ? "Failed" : "Succeeded", SiteFiles.Index, "incidents");
        Card(page, last?.Outcome.ToString() ?? "None", "Last deployment", last?.Outcome.ToString(), SiteFiles.Deployments, null);
        Card(page, run?.Status.ToString() ?? "None", "Last pipeline run", run?.Status.ToString(), SiteFiles.Pipelines, null);
        page.Raw("</section>\n");
    }

    private static void Card(SitePage page, string value, string label, string? status, string file, string? anchor) =>
        page.Raw($"<a class=\"card{(status is null ? "" : " " + SitePage.StatusClass(status))}\" href=\"{SitePage.Href(file, anchor)}\"><span class=\"count\">{SitePage.Encode(value)}</span><span class=\"label\">{SitePage.Encode(label)}</span></a>\n");

    internal static string Revisions(long? before, long? after) =>
        $"{(before is { } b ? b.ToString(CultureInfo.InvariantCulture) : "none")} → {(after is { } a ? a.ToString(CultureInfo.InvariantCulture) : "?")}";

    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
