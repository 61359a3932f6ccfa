using System.Globalization;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Metrics.Machine;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>What to collect for which service, and where the bundle goes.</summary>
public sealed record DiagnosticsRequest
{
    /// <summary>The service, as the catalog names it.</summary>
    public required string Service { get; init; }

    /// <summary>The incident the bundle belongs to; null for the service alone.</summary>
    public string? IncidentId { get; init; }

    /// <summary>The service's catalog entry: its Queries, and its Kubernetes namespace, kubeconfig and context when it is a Kubernetes check; null without a catalog.</summary>
    public HealthCheckDefinition? Definition { get; init; }

    /// <summary>A health check of the service now (the health engine on <see cref="Definition"/>); null to skip it.</summary>
    public Func<CancellationToken, Task<IReadOnlyList<HealthCheckResult>>>? HealthCheck { get; init; }

    /// <summary>The cluster; null when the service is not a Kubernetes workload.</summary>
    public KubernetesTarget? Kubernetes { get; init; }

    /// <summary>The Deployment and its namespace; required with <see cref="Kubernetes"/>.</summary>
    public DiagnosticsWorkload? Workload { get; init; }

    /// <summary>The Prometheus server the catalog's queries run on; null to skip them.</summary>
    public Uri? PrometheusUri { get; init; }

    /// <summary>Timeout and retries of each Prometheus query.</summary>
    public ResilienceOptions PrometheusResilience { get; init; } = new() { AttemptTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>Read system metrics of this machine. Default true.</summary>
    public bool SystemMetrics { get; init; } = true;

    /// <summary>The folder the bundle goes in.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Write a .zip instead of a folder.</summary>
    public bool Zip { get; init; }

    public DiagnosticsOptions Options { get; init; } = new();
}

/// <summary>
/// Collects a diagnostics bundle: plans the sources that apply to the request (health history
/// and a check now, system metrics, the catalog's Prometheus queries, and for a Kubernetes workload
/// pod status, events, logs with the previous instance's, the rollout history and the module's
/// deployment records), runs them through the <see cref="DiagnosticsCollector"/> and writes the
/// bundle. A cluster that cannot be configured fails its sources, not the bundle.
/// </summary>
public sealed class IncidentDiagnosticsRunner(OpsRuntime runtime, StateStore? store, SecretRedactor? redactor = null, Func<ISystemMetricsSource>? systemMetrics = null)
{
    private readonly SecretRedactor _redactor = redactor ?? new SecretRedactor();

    /// <summary>The sources that apply to <paramref name="request"/>, in the bundle's order.</summary>
    public IReadOnlyList<IDiagnosticSource> Plan(DiagnosticsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.Options;
        var sources = new List<IDiagnosticSource>();
        if (store is not null) sources.Add(new HealthHistorySource(new HealthHistoryStore(store), request.Service, options.HealthHistoryLimit));
        if (request.HealthCheck is { } check) sources.Add(new HealthCheckSource(check));
        if (request.SystemMetrics) sources.Add(new SystemMetricsDiagnosticSource(systemMetrics ?? SystemMetricsSources.ForCurrentPlatform, runtime.Time));
        if (request.Definition?.Queries is { Count: > 0 } queries)
        {
            var engine = request.PrometheusUri is { } uri ? new PrometheusQueryEngine(runtime.Http, runtime.Pipelines, uri, request.PrometheusResilience) : null;
            sources.Add(new PrometheusQueriesSource(engine, queries, runtime.Time));
        }
        var records = store is null ? null : new DeploymentRecordStore(store, runtime.Time, _redactor);
        if (request.Kubernetes is { } target && request.Workload is { } workload)
        {
            // One client for every source; a configuration that cannot be used fails each of them, with its reason.
            k8s.IKubernetes? client = null;
            string? failure = null;
            try
            {
                client = runtime.Kubernetes.Get(target);
            }
            catch (KubernetesConfigurationException ex)
            {
                failure = ex.Message;
            }
            IDiagnosticSource Cluster(string name, string file, Func<k8s.IKubernetes, IDiagnosticSource> create) => client is null
                ? new DelegateDiagnosticSource(name, file, _ => Task.FromException<DiagnosticContent>(new KubernetesConfigurationException(failure!)))
                : create(client);
            sources.Add(Cluster("pod-status", "pod-status.json", c => new PodStatusSource(c, workload, _redactor)));
            sources.Add(Cluster("events", "events.txt", c => new WorkloadEventsSource(c, workload, _redactor)));
            sources.Add(Cluster("pod-logs", "pod-logs.txt", c => new PodLogsSource(c, workload, _redactor, options.LogTailLines, options.LogBytes)));
            sources.Add(Cluster("rollout-history", "rollout-history.json", c => new RolloutHistorySource(c, workload, records, runtime.Time)));
        }
        if (records is not null)
            sources.Add(new DeploymentRecordsSource(records, request.Workload?.Name ?? request.Service, request.Workload?.Namespace, options.DeploymentRecordLimit));
        return sources;
    }

    /// <summary>Collects and writes the bundle; only cancellation and a bundle that cannot be written (IOException, UnauthorizedAccessException) throw.</summary>
    public async Task<IncidentDiagnostics> RunAsync(DiagnosticsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Validate();
        var collectedAt = runtime.Time.GetUtcNow();
        var sources = Plan(request);
        var collected = await new DiagnosticsCollector(runtime.Time, _redactor).CollectAsync(sources, request.Options, cancellationToken).ConfigureAwait(false);
        var context = new List<string>();
        if (request.Workload is { } workload)
            context.Add($"Workload: deployment {workload.Namespace}/{workload.Name}{(workload.Context is null ? "" : $" (context {workload.Context})")}");
        if (request.PrometheusUri is { } prometheus) context.Add("Prometheus: " + Http.HttpExchange.DisplayTarget(prometheus));
        var bundle = new DiagnosticsBundleRequest
        {
            OutputDirectory = request.OutputDirectory,
            IncidentId = request.IncidentId,
            Service = request.Service,
            CollectedAt = collectedAt,
            Zip = request.Zip,
            Context = [.. context.Select(_redactor.Redact)],
        };
        return await DiagnosticsBundle.WriteAsync(bundle, collected, request.Options, runtime.Time, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>How a bundle goes on an incident's timeline.</summary>
public static class DiagnosticsTimeline
{
    /// <summary>A Diagnostics entry: the bundle's path and each source's status (with its error), as Details.</summary>
    public static IncidentTimelineEntry Entry(IncidentDiagnostics diagnostics, string actor, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["path"] = diagnostics.Path,
            ["succeeded"] = diagnostics.Succeeded.ToString(CultureInfo.InvariantCulture),
            ["failed"] = diagnostics.Failed.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var source in diagnostics.Sources)
        {
            details["source." + source.Name] = source.Error is null
                ? $"{source.Status} ({Models.DurationText.Format(source.Duration)})"
                : $"{source.Status} ({Models.DurationText.Format(source.Duration)}): {source.Error}";
        }
        return new IncidentTimelineEntry
        {
            Timestamp = time,
            Kind = IncidentEventKind.Diagnostics,
            Actor = actor,
            Message = string.Create(CultureInfo.InvariantCulture,
                $"Diagnostics collected: {diagnostics.Succeeded} of {diagnostics.Sources.Count} sources succeeded{(diagnostics.Failed > 0 ? $", {diagnostics.Failed} failed or timed out" : "")}"),
            Details = details,
        };
    }
}
