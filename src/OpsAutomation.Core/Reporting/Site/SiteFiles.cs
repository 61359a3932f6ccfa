namespace OpsAutomation.Core.Reporting.Site;

/// <summary>The status site's file names, relative to its folder, '/' separated.</summary>
internal static class SiteFiles
{
    public const string Index = "index.html";
    public const string Health = "health.html";
    public const string Deployments = "deployments.html";
    public const string Pipelines = "pipelines.html";
    public const string IncidentFolder = "incidents";

    /// <summary>An incident's page (<paramref name="extension"/> .html or .md), its id made safe for a file name.</summary>
    public static string Incident(string id, string extension) => $"{IncidentFolder}/{Incidents.Diagnostics.DiagnosticsBundle.SafeName(id)}{extension}";

    public static string DeploymentAnchor(string id) => SitePage.Anchor("deployment-", id);

    public static string PipelineAnchor(string pipeline) => SitePage.Anchor("pipeline-", pipeline);
}
