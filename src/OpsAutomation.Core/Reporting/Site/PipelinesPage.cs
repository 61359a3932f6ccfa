using OpsAutomation.Models;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Reporting.Site;

/// <summary>pipelines.html: each pipeline's recent runs (throughput, loaded and rejected records per run) and its latest run's steps.</summary>
internal static class PipelinesPage
{
    public static string Render(OpsReportData data, OpsReportOptions options)
    {
        var page = new SitePage(SiteFiles.Pipelines, options.Title, "Pipelines", data.GeneratedAt);
        if (data.Pipelines.Count == 0)
        {
            page.Empty("No pipeline runs in the state store yet.", "Start-DataPipeline records every run with its counts and steps.");
            return page.Finish();
        }
        foreach (var pipeline in data.Pipelines.Where(p => p.Runs.Count > 0)) AppendPipeline(page, pipeline);
        return page.Finish();
    }

    private static void AppendPipeline(SitePage page, PipelineHistory pipeline)
    {
        var anchor = SiteFiles.PipelineAnchor(pipeline.Pipeline);
        var latest = pipeline.Runs[0];
        page.Raw($"<article id=\"{SitePage.Encode(anchor)}\">\n<h3>").Text(pipeline.Pipeline).Raw(" ").Raw(SitePage.Badge(latest.Status.ToString())).Raw("</h3>\n");
        var runs = pipeline.Runs.Count == 1 ? "its last run" : $"its last {pipeline.Runs.Count} runs";
        page.Chart("throughput", $"Records read per second in {runs}", SiteCharts.Throughput($"{anchor}-throughput", pipeline).Render());
        page.Chart("rejects", $"Records loaded and rejected in {runs}", SiteCharts.Rejects($"{anchor}-rejects", pipeline).Render());
        page.Raw("<h4>Latest run</h4>\n").Terms(
        [
            ("Run", latest.RunId),
            ("Status", latest.Status.ToString()),
            ("Started", SitePage.Time(latest.StartedAt)),
            ("Duration", DurationText.Format(latest.Duration)),
            ("Error", latest.Error),
        ]);
        page.Table($"{anchor}-steps", ["Step", "Status", "Read", "Loaded", "Rejected", "Dead-lettered", "Filtered", "Input", "Output", "Error"],
            latest.Steps.Select(s => (IReadOnlyList<string>)
            [
                SitePage.Encode(s.Step), SitePage.Badge(s.Status.ToString()), LandingPage.Count(s.RecordsIn), LandingPage.Count(s.Loaded), LandingPage.Count(s.Rejected),
                LandingPage.Count(s.DeadLettered), LandingPage.Count(s.Filtered), SitePage.Encode(s.Input), SitePage.Encode(s.Output), SitePage.Encode(s.Error),
            ]));
        page.Table($"{anchor}-runs", ["Run", "Status", "Read", "Loaded", "Rejected", "Dead-lettered", "Records/s", "Started"], pipeline.Runs.Select(r => (IReadOnlyList<string>)
        [
            $"<code>{SitePage.Encode(r.RunId)}</code>", SitePage.Badge(r.Status.ToString()), LandingPage.Count(r.RecordsIn), LandingPage.Count(r.Loaded),
            LandingPage.Count(r.Rejected), LandingPage.Count(r.DeadLettered), SitePage.Encode(r.RecordsPerSecond.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)),
            SitePage.Encode(SitePage.Time(r.StartedAt)),
        ]));
        page.Raw("</article>\n");
    }
}
