using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>
/// Validates a deployment after its rollout: health gates (the health engine's checks, passing
/// several rounds in a row within a window) and metric gates (PromQL against Prometheus compared
/// with thresholds), every evaluation recorded, the verdict naming the gate that decided it.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "Deployment", HelpUri = "docs/Test-Deployment.md", DefaultParameterSetName = GatesSet)]
[OutputType(typeof(DeploymentValidation))]
public sealed class TestDeploymentCommand : OpsCmdlet
{
    private const string GatesSet = "Gates";
    private const string SpecSet = "Spec";
    private const int ProgressActivityId = 0x4F60;

    // The health gate's keys by the parameter that gives them, so an error names what was typed.
    private static readonly Dictionary<string, string> HealthGateParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Uri"] = "-Uri", ["Catalog"] = "-CatalogPath", ["Services"] = "-Name", ["SuccessCount"] = "-SuccessCount", ["IntervalSec"] = "-IntervalSec",
        ["WindowSec"] = "-WindowSec", ["FailureLimit"] = "-FailureLimit", ["FailOnDegraded"] = "-FailOnDegraded",
    };

    private readonly List<string> _uris = [];

    /// <summary>A deployment spec (psd1, JSON or YAML) whose Validation section lists the gates.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SpecSet)]
    [Alias("SpecPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>URLs the health gate checks, such as the deployed Service's; bind from the pipeline by the ServiceUrl property.</summary>
    [Parameter(ParameterSetName = GatesSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceUrl", "Url")]
    [ValidateNotNullOrEmpty]
    public string[] Uri { get; set; } = [];

    /// <summary>A service catalog whose services (all, or those -Name selects) the health gate checks.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    /// <summary>The catalog services to check (wildcards). Default all.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Rounds of the health gate that must pass in a row. Default 3.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    [ValidateRange(1, 1000)]
    public int SuccessCount { get; set; } = 3;

    /// <summary>Seconds between the starts of two health rounds. Default 10.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    [ValidateRange(0.001, 86400)]
    public double IntervalSec { get; set; } = 10;

    /// <summary>The longest the health gate runs, in seconds. Default 300.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    [ValidateRange(0.001, 86400)]
    public double WindowSec { get; set; } = 300;

    /// <summary>Failed health rounds tolerated. Default 0.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    [ValidateRange(0, 1000)]
    public int FailureLimit { get; set; }

    /// <summary>A Degraded check (slower than MaxResponseTimeSec) fails its round.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    public SwitchParameter FailOnDegraded { get; set; }

    /// <summary>Metric gates, each a hashtable of Name, Query, Threshold ('&lt; 0.05') and optional IntervalSec, Count, FailureLimit, InconclusiveLimit, ErrorLimit, NoData, Reduce.</summary>
    [Parameter(ParameterSetName = GatesSet)]
    [ValidateNotNullOrEmpty]
    public Hashtable[] MetricGate { get; set; } = [];

    /// <summary>The Prometheus the metric gates query, such as http://127.0.0.1:9090; wins over the spec's PrometheusUri.</summary>
    [Parameter]
    [ValidateNotNull]
    public System.Uri? PrometheusUri { get; set; }

    /// <summary>The limit of one query or health check attempt, in seconds. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; }

    /// <summary>Retries of a failed query or check attempt. Default 0.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; }

    /// <summary>The largest query answer read, in bytes. Default 16 MiB.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxResponseBytes { get; set; } = HttpLimits.Api.MaxResponseBytes;

    /// <summary>The state directory for the health checks' history and logs.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>Do not keep the health checks' results in the state store's history.</summary>
    [Parameter]
    public SwitchParameter NoHistory { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _uris.AddRange(Uri);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var specPath = ParameterSetName == SpecSet ? ResolvePath(Path) : null;
        var baseDirectory = specPath is null ? BaseDirectory(null)! : System.IO.Path.GetDirectoryName(specPath)!;
        var plan = ReadPlan(new ValidationSpecReader(runtime.Configuration, settings, baseDirectory), specPath);
        if (plan.HealthGates.Count > 0 && !NoHistory) await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);

        var runId = Guid.NewGuid().ToString("N");
        using var log = new OpsLog(runId, OpsLogOptions.FromSettings(settings, WriteVerbose), new SecretRedactor(), runtime.Time);
        var options = new HealthRunOptions { RunId = runId, Settings = settings, BaseDirectory = baseDirectory, KeepHistory = !NoHistory, Secrets = Secrets() };
        var validator = DeploymentValidator.Create(runtime, plan, options, log, MaxResponseBytes, failure => WriteError(ErrorRecords.StateStoreFailure(failure)));
        WriteDebug($"Gates={string.Join(", ", plan.HealthGates.Select(g => g.Name).Concat(plan.MetricGates.Select(g => g.Name)))} " +
            $"PrometheusUri={(plan.PrometheusUri is null ? "" : HttpExchange.DisplayTarget(plan.PrometheusUri))} TimeoutSec={settings.TimeoutSec} RetryCount={settings.RetryCount}");

        const string activity = "Test-Deployment";
        try
        {
            var validation = await validator.ValidateAsync(plan, runId, evaluation =>
            {
                WriteVerbose($"{evaluation.Gate} #{evaluation.Number}: {evaluation.Verdict}: {evaluation.Message}");
                WriteProgress(new ProgressRecord(ProgressActivityId, activity, $"{evaluation.Gate} #{evaluation.Number}: {evaluation.Verdict}"));
            }, cancellationToken).ConfigureAwait(false);
            if (validation.Outcome != ValidationOutcome.Passed) WriteWarning($"Validation {validation.Outcome}: {validation.Reason}");
            WriteObject(validation);
        }
        finally
        {
            WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>The gates of the spec's Validation section, or of the parameters; a bad value is a terminating error naming the key or parameter.</summary>
    private ValidationPlan ReadPlan(ValidationSpecReader reader, string? specPath)
    {
        var errorId = specPath is null ? "ValidationGateInvalid" : "DeploymentSpecInvalid";
        if (specPath is null && _uris.Count == 0 && CatalogPath is null && MetricGate.Length == 0)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException("No gates: give -Uri or -CatalogPath for a health gate, -MetricGate for metric gates, or -Path for a deployment spec."),
                "ValidationGateMissing", ErrorCategory.InvalidArgument, null));
        }
        try
        {
            var parameters = ConfigurationTree.NewMap();
            parameters["PrometheusUri"] = PrometheusUri?.OriginalString;
            parameters["MetricGates"] = PowerShellValues.ToConfigurationTree(MetricGate, "-MetricGate");
            var where = new ConfigurationMap(parameters, "parameters", "", key => key == "MetricGates" ? "-MetricGate" : "-" + key);
            var prometheus = ValidationSpecReader.ReadPrometheusUri(where, "PrometheusUri");
            if (specPath is not null)
            {
                var root = new ConfigurationMap(ModuleRuntime.Get().Configuration.ReadMap(specPath), specPath, "");
                var section = root.GetMap("Validation") ?? throw root.Error("has no Validation section with HealthGates or MetricGates", "Validation");
                return reader.Read(section, prometheus);
            }
            var metricGates = where.GetMapList("MetricGates").Select(ValidationSpecReader.ReadMetricGate).ToList();
            var healthGates = _uris.Count > 0 || CatalogPath is not null ? [reader.ReadHealthGate(HealthGateParameterMap(), "health")] : new List<HealthGate>();
            return ValidationSpecReader.Plan(healthGates, metricGates, prometheus, where, "MetricGates");
        }
        catch (ConfigurationException ex) when (specPath is not null && ex.Origin == "parameters")
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "ValidationGateInvalid", PrometheusUri));
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, errorId, specPath ?? (object?)MetricGate));
        }
    }

    private ConfigurationMap HealthGateParameterMap()
    {
        var gate = ConfigurationTree.NewMap();
        if (_uris.Count > 0) gate["Uri"] = _uris.Cast<object?>().ToList();
        if (CatalogPath is not null) gate["Catalog"] = ResolvePath(CatalogPath);
        if (Name is not null) gate["Services"] = Name.Cast<object?>().ToList();
        gate["SuccessCount"] = (long)SuccessCount;
        gate["IntervalSec"] = IntervalSec;
        gate["WindowSec"] = WindowSec;
        gate["FailureLimit"] = (long)FailureLimit;
        gate["FailOnDegraded"] = FailOnDegraded.IsPresent;
        return new ConfigurationMap(gate, "parameters", "", key => HealthGateParameters.GetValueOrDefault(key, "-" + key));
    }
}
