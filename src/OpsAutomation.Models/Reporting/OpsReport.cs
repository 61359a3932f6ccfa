using OpsAutomation.Models.Health;

namespace OpsAutomation.Models.Reporting;

/// <summary>
/// The status site Export-OpsReport wrote: where its landing page is, every page written, and what
/// the pages say in numbers (overall health, open incidents, deployments and pipeline runs shown).
/// </summary>
public sealed record OpsReport
{
    /// <summary>The site's heading.</summary>
    public required string Title { get; init; }

    /// <summary>The full path of the landing page, index.html.</summary>
    public required string Path { get; init; }

    /// <summary>The folder the pages are in.</summary>
    public required string Folder { get; init; }

    /// <summary>Every page written, relative to <see cref="Folder"/> with '/' separators: index.html, health.html, deployments.html, pipelines.html, incidents/&lt;id&gt;.html and .md.</summary>
    public IReadOnlyList<string> Pages { get; init; } = [];

    /// <summary>When the pages were generated.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The span the trends and timelines cover.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>The worst of each service's latest health status; null when the health history is empty.</summary>
    public HealthStatus? OverallHealth { get; init; }

    /// <summary>Services in the health history.</summary>
    public int Services { get; init; }

    /// <summary>Incidents not resolved, in the whole store.</summary>
    public int OpenIncidents { get; init; }

    /// <summary>Incidents with a page: the open ones and those opened or resolved within <see cref="Window"/>, at most -Last.</summary>
    public int Incidents { get; init; }

    /// <summary>Deployment records shown, at most -Last.</summary>
    public int Deployments { get; init; }

    /// <summary>Pipeline runs shown, at most -Last per pipeline.</summary>
    public int PipelineRuns { get; init; }

    /// <summary>The sections that had nothing to show (Health, Incidents, Deployments, Pipelines); each page says how to fill them.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>The landing page's path.</summary>
    public override string ToString() => Path;
}
