using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Incidents.Diagnostics;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Commands;

/// <summary>
/// Collects a diagnostics bundle for an incident (or a service): health history and a check now,
/// system metrics, the catalog's Prometheus queries, and for a Kubernetes Deployment its pods'
/// status, events and logs (with the previous instance's after a restart), rollout history and the
/// module's deployment records. Each source runs under its own time limit; one that fails is
/// recorded, not fatal. With -Id the bundle goes on the incident's timeline.
/// </summary>
[Cmdlet(VerbsData.Save, "IncidentDiagnostics", HelpUri = "docs/Save-IncidentDiagnostics.md", DefaultParameterSetName = IncidentSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(IncidentDiagnostics))]
public sealed class SaveIncidentDiagnosticsCommand : OpsCmdlet
{
    private const string IncidentSet = "Incident";
    private const string ServiceSet = "Service";
    private const int ProgressActivityId = 0x4F55;

    private HealthCatalog? _catalog;
    private string? _catalogWorkload;

    /// <summary>The incident (New-Incident and Get-Incident emit objects with Id, Invoke-IncidentRunbook with IncidentId): its service is diagnosed and the bundle goes on its timeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IncidentSet, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>The service to diagnose without an incident, as the catalog names it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServiceSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Service { get; set; }

    /// <summary>The service catalog: the service's entry gives its Queries and, for a Kubernetes check, its namespace, kubeconfig and context.</summary>
    [Parameter]
    [Alias("Path")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    /// <summary>The kubeconfig file. Default: the catalog entry's, else KUBECONFIG, else ~/.kube/config, else the pod's service account.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context. Default: the catalog entry's, else the kubeconfig's current context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>The Deployment's namespace. Default: the catalog entry's, else default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>The Deployment to diagnose. Default: one named like the service.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Workload { get; set; }

    /// <summary>The Prometheus server the catalog's queries of the service run on.</summary>
    [Parameter]
    public Uri? PrometheusUri { get; set; }

    /// <summary>The folder the bundle is written in. Default: the diagnostics folder of the state directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>Writes the bundle as one .zip file instead of a folder.</summary>
    [Parameter]
    public SwitchParameter Zip { get; set; }

    /// <summary>How long each source may run before it is recorded as TimedOut. Default 15 seconds.</summary>
    [Parameter]
    [ValidatePositiveTimeSpan]
    public TimeSpan SourceTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The last lines kept of each container's log and of its previous instance. Default 100.</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int LogTailLines { get; set; } = 100;

    /// <summary>The state directory: health history, deployment records and incidents. Default: OPS_STATE_PATH, else the module's state directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        if (CatalogPath is not null) _catalog = ReadCatalog(CatalogPath);
        if (Kubeconfig is not null && !File.Exists(ResolvePath(Kubeconfig)))
        {
            throw ErrorRecords.Terminating(new ErrorRecord(new FileNotFoundException($"The kubeconfig '{ResolvePath(Kubeconfig)}' given by -Kubeconfig does not exist."),
                "KubernetesConfigurationInvalid", ErrorCategory.ObjectNotFound, Kubeconfig));
        }
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings(_catalog?.Settings);
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var redactor = new SecretRedactor();
        var incidents = new IncidentStore(store, runtime.Time, redactor);

        Incident? incident = null;
        if (ParameterSetName == IncidentSet)
        {
            incident = await ReadIncidentAsync(incidents, cancellationToken).ConfigureAwait(false);
            if (incident is null) return;
        }
        var service = Service ?? incident!.Service;
        _catalogWorkload = null;
        var definition = FindDefinition(service, settings);
        var output = OutputPath is null ? Path.Combine(settings.StatePath, "diagnostics") : ResolvePath(OutputPath);
        var subject = incident is null ? $"service {service}" : $"incident {incident.Id} (service {service})";
        if (!await ShouldProcessAsync(output, $"Collect diagnostics of {subject} into a bundle{(incident is null ? "" : " and add it to the incident's timeline")}").ConfigureAwait(false))
            return;

        var request = Request(service, incident?.Id, definition, output, settings, runtime, redactor);
        WriteVerbose($"Collecting diagnostics of {subject} into {output}: sources time out after {SourceTimeout.TotalSeconds:0.###} s.");
        WriteDebug($"Service={service} Workload={request.Workload?.Namespace}/{request.Workload?.Name} Context={request.Workload?.Context} PrometheusUri={(PrometheusUri is null ? "" : Core.Http.HttpExchange.DisplayTarget(PrometheusUri))} Zip={Zip.IsPresent} StatePath={settings.StatePath}");
        WriteProgress(new ProgressRecord(ProgressActivityId, $"Diagnostics of {service}", "Collecting"));
        IncidentDiagnostics result;
        try
        {
            result = await new IncidentDiagnosticsRunner(runtime, store, redactor).RunAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, "DiagnosticsBundleWriteFailed", ErrorCategory.WriteError, output));
            return;
        }
        finally
        {
            WriteProgress(new ProgressRecord(ProgressActivityId, $"Diagnostics of {service}", "Done") { RecordType = ProgressRecordType.Completed });
        }
        foreach (var source in result.Sources.Where(s => s.Status is DiagnosticSourceStatus.Failed or DiagnosticSourceStatus.TimedOut))
            WriteVerbose($"Source {source.Name} {source.Status}: {source.Error}");

        if (incident is not null)
        {
            try
            {
                await incidents.AppendAsync(incident.Id, DiagnosticsTimeline.Entry(result, IncidentStore.CurrentUser(), runtime.Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                result = result with { Attached = true };
            }
            catch (IncidentNotFoundException ex)
            {
                WriteError(ErrorRecords.IncidentNotFound(ex));
            }
            catch (StateStoreException ex)
            {
                WriteError(ErrorRecords.StateStoreFailure(ex));
            }
        }
        WriteObject(result);
    }

    private async Task<Incident?> ReadIncidentAsync(IncidentStore incidents, CancellationToken cancellationToken)
    {
        try
        {
            var incident = await incidents.GetAsync(Id, cancellationToken).ConfigureAwait(false);
            if (incident is null)
            {
                WriteError(ErrorRecords.IncidentNotFound(Id, incidents.State.FilePath));
            }
            return incident;
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
            return null;
        }
    }

    /// <summary>The catalog's entry of <paramref name="service"/>; null without a catalog, or (with a warning) when the catalog has none.</summary>
    private HealthCheckDefinition? FindDefinition(string service, OpsSettings settings)
    {
        if (_catalog is null) return null;
        IReadOnlyList<HealthCheckDefinition> definitions;
        try
        {
            definitions = _catalog.Bind(null, settings);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "CatalogInvalid", _catalog.Path));
        }
        // An incident opened from a KubernetesWorkload check's result is named <service>/<kind>/<workload>.
        (var definition, _catalogWorkload) = Core.Health.Kubernetes.WorkloadResultName.FindEntry(definitions, service);
        if (definition is null) WriteWarning($"The catalog {_catalog.Path} has no service '{service}': its queries and checks are not collected.");
        return definition;
    }

    private DiagnosticsRequest Request(string service, string? incidentId, HealthCheckDefinition? definition, string output, OpsSettings settings, OpsRuntime runtime,
        SecretRedactor redactor)
    {
        var baseDirectory = BaseDirectory(_catalog);
        var kubernetesEntry = definition is { Kind: HealthCheckKind.Kubernetes or HealthCheckKind.KubernetesWorkload } ? definition : null;
        var onCluster = kubernetesEntry is not null || Workload is not null || Kubeconfig is not null || Context is not null || Namespace is not null;
        KubernetesTarget? target = null;
        DiagnosticsWorkload? workload = null;
        if (onCluster)
        {
            var (kubeconfig, origin) = Kubeconfig is not null ? (ResolvePath(Kubeconfig), "-Kubeconfig")
                : kubernetesEntry?.Kubeconfig is { } fromCatalog ? (Path.GetFullPath(fromCatalog, baseDirectory ?? "."), $"the catalog's Kubeconfig of {service}")
                : ((string?)null, "-Kubeconfig");
            var context = Context ?? kubernetesEntry?.Context;
            target = new KubernetesTarget(kubeconfig, context, null, false, SourceTimeout, origin);
            workload = new DiagnosticsWorkload(Workload ?? _catalogWorkload ?? service, Namespace ?? kubernetesEntry?.Namespace ?? "default", context);
        }
        return new DiagnosticsRequest
        {
            Service = service,
            IncidentId = incidentId,
            Definition = definition,
            HealthCheck = definition is null ? null : token => CheckNowAsync(definition, settings, runtime, redactor, token),
            Kubernetes = target,
            Workload = workload,
            PrometheusUri = PrometheusUri,
            PrometheusResilience = new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(settings.TimeoutSec), RetryCount = settings.RetryCount },
            OutputDirectory = output,
            Zip = Zip.IsPresent,
            Options = new DiagnosticsOptions { SourceTimeout = SourceTimeout, LogTailLines = LogTailLines },
        };
    }

    /// <summary>The service's check now, through the health engine (its secrets resolved and known to the bundle's redactor); not kept in the history.</summary>
    private async Task<IReadOnlyList<HealthCheckResult>> CheckNowAsync(HealthCheckDefinition definition, OpsSettings settings, OpsRuntime runtime, SecretRedactor redactor,
        CancellationToken cancellationToken)
    {
        var options = new HealthRunOptions
        {
            RunId = Guid.NewGuid().ToString("N"), Settings = settings, BaseDirectory = BaseDirectory(_catalog), KeepHistory = false, Secrets = Secrets(),
        };
        using var log = new OpsLog(options.RunId, OpsLogOptions.FromSettings(settings, null), redactor, runtime.Time);
        await using var session = await HealthCheckSession.StartAsync(runtime, options, log, cancellationToken).ConfigureAwait(false);
        session.Add(definition);
        session.Complete();
        var results = new List<HealthCheckResult>();
        await foreach (var result in session.ReadResultsAsync(cancellationToken).ConfigureAwait(false)) results.Add(result);
        return results;
    }
}
