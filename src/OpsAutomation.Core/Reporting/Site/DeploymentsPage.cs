using OpsAutomation.Core.Deployment;
using OpsAutomation.Models;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Reporting.Site;

/// <summary>
/// deployments.html: each recent deployment record (outcome, reason, image digest, revisions), the
/// replica counts during its rollouts and each metric gate's values against its threshold, from the
/// record's details. Records and their details are redacted when they are written; nothing else of a run is shown.
/// </summary>
internal static class DeploymentsPage
{
    public static string Render(OpsReportData data, OpsReportOptions options)
    {
        var page = new SitePage(SiteFiles.Deployments, options.Title, "Deployments", data.GeneratedAt);
        if (data.Deployments.Count == 0)
        {
            page.Empty("No deployment records in the state store yet.", "Invoke-Deployment records every run (and Undo-Deployment every rollback).");
            return page.Finish();
        }
        foreach (var record in data.Deployments) AppendRecord(page, record);
        return page.Finish();
    }

    private static void AppendRecord(SitePage page, DeploymentRecord record)
    {
        var anchor = SiteFiles.DeploymentAnchor(record.Id);
        page.Raw($"<article id=\"{SitePage.Encode(anchor)}\" data-outcome=\"{record.Outcome}\">\n<h3>")
            .Text($"{record.Namespace}/{record.Name}").Raw(" ").Raw(SitePage.Badge(record.Outcome.ToString())).Raw("</h3>\n");
        page.Terms(
        [
            ("Run", record.Id),
            ("Strategy", record.Strategy),
            ("Reason", record.Reason),
            ("Image", record.Image),
            ("Image digest", record.ImageDigest),
            ("Revision", LandingPage.Revisions(record.RevisionBefore, record.RevisionAfter)),
            ("Context", record.Context),
            ("By", record.User),
            ("Started", SitePage.Time(record.StartedAt)),
            ("Duration", record.Duration is { } duration ? DurationText.Format(duration) : "still running, or interrupted"),
        ]);
        var details = DeploymentDetails.Parse(record.DetailsJson);
        var rollouts = details?.Rollouts.Where(r => r.History.Count > 0).ToList() ?? [];
        if (rollouts.Count == 0)
        {
            page.Empty("No replica counts kept for this run:",
                "it ended before a rollout was watched, it did not wait for one (Undo-Deployment without -Wait), or an earlier version of the module recorded it. Invoke-Deployment keeps them.");
        }
        else
        {
            var caption = $"Replica counts during {(rollouts.Count == 1 ? "the rollout" : $"its {rollouts.Count} rollouts")}: "
                + string.Join("; ", rollouts.Select(r => $"{r.Name} {r.Status}"));
            page.Chart("replicas", caption, SiteCharts.Replicas($"{anchor}-replicas", rollouts).Render());
        }
        foreach (var (gate, chart) in SiteCharts.Gates(anchor, details?.Validations ?? []))
            page.Chart("gate", $"Metric gate {gate}: each evaluation's value against its threshold", chart.Render());
        var gates = details?.Gates ?? [];
        if (gates.Count > 0)
        {
            page.Table($"{anchor}-gates", ["Gate", "Outcome", "Reason"], gates.Select(g => (IReadOnlyList<string>)
                [SitePage.Encode(g.Gate), SitePage.Badge(g.Outcome), SitePage.Encode(g.Reason)]));
        }
        if (details?.Steps is { Count: > 0 } steps)
        {
            page.Table($"{anchor}-steps", ["Step", "Kind", "Description", "Succeeded"], steps.Select(s => (IReadOnlyList<string>)
                [SitePage.Encode(s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)), SitePage.Encode(s.Kind), SitePage.Encode(s.Description), s.Succeeded ? "yes" : "no"]));
        }
        page.Raw("</article>\n");
    }
}
