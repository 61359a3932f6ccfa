using OpsAutomation.Core.State;
using OpsAutomation.Models.Reporting;

namespace OpsAutomation.Core.Reporting.Site;

/// <summary>
/// Writes the status site (Export-OpsReport): the landing page, the health report, the deployments,
/// the pipelines, and a post-mortem page per incident, all self-contained HTML (no script, nothing
/// fetched) and each written atomically, so a web server publishing the folder every minute never
/// serves half a page. An empty state store gives pages that say what is missing and how to fill it.
/// </summary>
public sealed class OpsReportExporter(StateStore store, TimeProvider time)
{
    /// <summary>Reads the state store and writes every page; an I/O failure is an IOException naming the file.</summary>
    public async Task<OpsReport> ExportAsync(OpsReportOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var data = await new OpsReportReader(store, time).ReadAsync(options, cancellationToken).ConfigureAwait(false);
        var folder = Path.GetFullPath(options.Folder);
        var pages = new List<(string File, string Text)>
        {
            (SiteFiles.Health, HealthPage(data, options)),
            (SiteFiles.Deployments, DeploymentsPage.Render(data, options)),
            (SiteFiles.Pipelines, PipelinesPage.Render(data, options)),
        };
        foreach (var incident in data.Incidents)
        {
            var (html, markdown) = IncidentPage.Render(incident, options, data.GeneratedAt);
            pages.Add((SiteFiles.Incident(incident.Id, ".html"), html));
            pages.Add((SiteFiles.Incident(incident.Id, ".md"), markdown));
        }
        // The landing page last: whoever follows its links finds the pages it names already written.
        pages.Add((SiteFiles.Index, LandingPage.Render(data, options)));

        Directory.CreateDirectory(folder);
        if (data.Incidents.Count > 0) Directory.CreateDirectory(Path.Combine(folder, SiteFiles.IncidentFolder));
        foreach (var (file, text) in pages)
        {
            var path = Path.Combine(folder, file.Replace('/', Path.DirectorySeparatorChar));
            try
            {
                await AtomicTextFile.WriteAsync(path, text, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"The page '{path}' cannot be written: {ex.Message}", ex);
            }
        }

        var missing = new List<string>();
        if (data.Health.Count == 0) missing.Add("Health");
        if (data.Incidents.Count == 0) missing.Add("Incidents");
        if (data.Deployments.Count == 0) missing.Add("Deployments");
        if (data.Pipelines.Count == 0) missing.Add("Pipelines");
        return new OpsReport
        {
            Title = options.Title,
            Path = Path.Combine(folder, SiteFiles.Index),
            Folder = folder,
            Pages = [.. pages.Select(p => p.File).Order(StringComparer.Ordinal)],
            GeneratedAt = data.GeneratedAt,
            Window = options.Window,
            OverallHealth = data.OverallHealth,
            Services = data.Health.Count,
            OpenIncidents = data.OpenIncidents,
            Incidents = data.Incidents.Count,
            Deployments = data.Deployments.Count,
            PipelineRuns = data.Pipelines.Sum(p => p.Runs.Count),
            Missing = missing,
        };
    }

    /// <summary>The health report of each service's latest result with its trends over the window, or a page saying there is none yet.</summary>
    private static string HealthPage(OpsReportData data, OpsReportOptions options)
    {
        if (data.Health.Count == 0)
        {
            return new SitePage(SiteFiles.Health, options.Title, "Health", data.GeneratedAt)
                .Empty("No health results in the state store yet.",
                    "Run Test-ServiceHealth against a catalog, or Watch-ServiceHealth on a schedule: every result is kept in the health history.")
                .Finish();
        }
        var report = HealthReportBuilder.Build($"{options.Title}: health", data.GeneratedAt, data.Health.Select(h => h.Latest), data.Trends, options.Window);
        return HtmlHealthReportRenderer.Render(report);
    }
}
