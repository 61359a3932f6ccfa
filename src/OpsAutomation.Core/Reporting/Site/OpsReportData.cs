using OpsAutomation.Core.Health;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Reporting.Site;

/// <summary>A service's health in the report: its latest result, and its results within the window, oldest first.</summary>
public sealed record ServiceHealth(string Name, HealthCheckResult Latest, IReadOnlyList<HealthCheckResult> Window);

/// <summary>A pipeline's runs in the report, newest first.</summary>
public sealed record PipelineHistory(string Pipeline, IReadOnlyList<PipelineRun> Runs);

/// <summary>What the status site shows, read from the state store through each capability's own store.</summary>
public sealed record OpsReportData
{
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The window's start: GeneratedAt minus the window.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>Every service of the health history, by name.</summary>
    public IReadOnlyList<ServiceHealth> Health { get; init; } = [];

    /// <summary>Each service's summary and bucketed series over the window (services without results in it are left out); null without health history.</summary>
    public HealthReportTrendSet? Trends { get; init; }

    /// <summary>The incidents with a page: open first, then the newest opened or resolved in the window.</summary>
    public IReadOnlyList<Incident> Incidents { get; init; } = [];

    /// <summary>Incidents not resolved, in the whole store.</summary>
    public int OpenIncidents { get; init; }

    /// <summary>The newest deployment records.</summary>
    public IReadOnlyList<DeploymentRecord> Deployments { get; init; } = [];

    /// <summary>Each pipeline's newest runs, pipelines by name.</summary>
    public IReadOnlyList<PipelineHistory> Pipelines { get; init; } = [];

    /// <summary>The worst of the services' latest statuses; null without health history.</summary>
    public HealthStatus? OverallHealth => Health.Count == 0 ? null : HealthTrends.Overall(Health.Select(h => h.Latest.Status));
}

/// <summary>Reads <see cref="OpsReportData"/> with the stores the Get-* cmdlets read (health history, incidents, deployment records, pipeline runs).</summary>
public sealed class OpsReportReader(StateStore store, TimeProvider time)
{
    /// <summary>Incidents read at most to find those of the window.</summary>
    private const int MaxIncidentsRead = 1000;

    private static async Task<Models.Health.HealthCheckResult?> LatestAsync(HealthHistoryStore history, string name, CancellationToken cancellationToken)
    {
        var newest = await history.ReadAsync(name, null, 1, cancellationToken).ConfigureAwait(false);
        return newest.Count > 0 ? newest[0] : null;
    }

    public async Task<OpsReportData> ReadAsync(OpsReportOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var now = time.GetUtcNow();
        var from = now - options.Window;
        var history = new HealthHistoryStore(store);
        var health = new List<ServiceHealth>();
        foreach (var name in await history.NamesAsync(cancellationToken).ConfigureAwait(false))
        {
            // Every row of the window, read once for the timeline and the trends (a cap would skew availability and the percentiles).
            var window = await history.ReadAsync(name, from, int.MaxValue, cancellationToken).ConfigureAwait(false);
            var latest = window.Count > 0 ? window[0] : await LatestAsync(history, name, cancellationToken).ConfigureAwait(false);
            if (latest is not null) health.Add(new ServiceHealth(name, latest, [.. window.Reverse()]));
        }
        var trends = health.Count == 0 ? null
            : HealthReportTrends.Summarize(health.Select(h => (h.Name, h.Window)), now, options.Window, null);

        var incidents = new IncidentStore(store, time);
        var recent = new List<Incident>();
        var open = 0;
        await foreach (var incident in incidents.ListAsync(new IncidentQuery { Limit = MaxIncidentsRead }, cancellationToken).ConfigureAwait(false))
        {
            if (incident.IsOpen) open++;
            if (incident.IsOpen || incident.OpenedAt >= from || incident.ResolvedAt >= from) recent.Add(incident);
        }

        var deployments = new List<DeploymentRecord>();
        await foreach (var record in new DeploymentRecordStore(store, time).ListAsync(null, null, null, options.Last, cancellationToken).ConfigureAwait(false))
            deployments.Add(record);

        var runs = new PipelineRunStore(store);
        var pipelines = new List<PipelineHistory>();
        foreach (var pipeline in await runs.NamesAsync(cancellationToken).ConfigureAwait(false))
        {
            var list = new List<PipelineRun>();
            await foreach (var run in runs.ListAsync(pipeline, null, options.Last, cancellationToken).ConfigureAwait(false)) list.Add(run);
            pipelines.Add(new PipelineHistory(pipeline, list));
        }

        return new OpsReportData
        {
            GeneratedAt = now,
            From = from,
            Health = health,
            Trends = trends,
            Incidents = [.. recent.OrderByDescending(i => i.IsOpen).ThenByDescending(i => i.OpenedAt).Take(options.Last)],
            OpenIncidents = open,
            Deployments = deployments,
            Pipelines = pipelines,
        };
    }
}
