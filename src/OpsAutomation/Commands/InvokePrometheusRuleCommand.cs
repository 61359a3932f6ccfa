using System.Management.Automation;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Metrics;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Commands;

/// <summary>
/// Evaluates the alerting rules of Prometheus rule files against a Prometheus server, or
/// in-process against the module's own metrics and their history; keeps their pending and firing
/// state in the state store, and sends firing and resolved alerts to Alertmanager.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PrometheusRule", HelpUri = "docs/Invoke-PrometheusRule.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = PrometheusSet)]
[OutputType(typeof(RuleAlert))]
public sealed class InvokePrometheusRuleCommand : OpsCmdlet
{
    private const string PrometheusSet = "Prometheus";
    private const string InProcessSet = "InProcess";

    private RuleEvaluator? _evaluator;
    private Func<IRuleQueryEngine, RuleEvaluator>? _newEvaluator;
    private SampleHistory? _history;
    private IReadOnlyList<MetricSample> _snapshot = [];
    private bool _snapshotRecorded;
    private DateTimeOffset _now;

    /// <summary>Rule files; wildcards are allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The Prometheus server that evaluates the expressions, such as http://127.0.0.1:9090.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PrometheusSet)]
    [ValidateNotNull]
    public Uri PrometheusUri { get; set; } = null!;

    /// <summary>Evaluate in this process, over the module's metrics (New-Metric, ops_*, node_*) and their history in the state store.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InProcessSet)]
    public SwitchParameter InProcess { get; set; }

    /// <summary>Further samples to evaluate with the module's own, such as Get-PrometheusMetric's scrape of an application.</summary>
    [Parameter(ParameterSetName = InProcessSet)]
    public MetricSample[] Sample { get; set; } = [];

    /// <summary>An Alertmanager to send firing and resolved alerts to (API v2), or a secret reference (env:, file:, secret:) to its URL.</summary>
    [Parameter]
    public Uri? AlertmanagerUri { get; set; }

    /// <summary>The state directory that keeps the alert state between runs.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>The limit of one query attempt, in seconds. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; }

    /// <summary>The largest query answer read, in bytes (16MB and the like work); a larger one leaves the rule unevaluated. Default 16 MiB.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxResponseBytes { get; set; } = HttpLimits.Api.MaxResponseBytes;

    /// <summary>Retries of a query that failed to connect, timed out or got a 5xx answer. Default 0.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        if (!InProcess && (!PrometheusUri.IsAbsoluteUri || PrometheusUri.Scheme is not ("http" or "https")))
            throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-PrometheusUri '{SecretRedactor.RedactPatterns(PrometheusUri.OriginalString)}' is not an absolute http(s) URL."),
                "PrometheusUriInvalid", ErrorCategory.InvalidArgument, SecretRedactor.RedactPatterns(PrometheusUri.OriginalString)));
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var channels = new List<INotificationChannel>();
        if (AlertmanagerUri is not null)
        {
            var map = new ConfigurationMap(new Dictionary<string, object?> { ["Type"] = "Alertmanager", ["Uri"] = AlertmanagerUri.OriginalString }, "parameters", "",
                key => key == "Uri" ? "-AlertmanagerUri" : key);
            try
            {
                channels.Add(NotificationChannels.Create(map, runtime.Http, Secrets(), null, new SecretRedactor()));
            }
            catch (ConfigurationException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "AlertChannelInvalid", AlertmanagerUri));
            }
        }
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        _newEvaluator = engine => new RuleEvaluator(engine, new RuleAlertStateStore(store), new AlertDelivery(new Notifier(runtime.Pipelines), store, runtime.Time), channels, runtime.Time);
        if (InProcess)
        {
            // One snapshot per invocation: every rule of every file sees the same instant, as in one Prometheus evaluation.
            _now = runtime.Time.GetUtcNow();
            _history = new SampleHistory(new MetricHistoryStore(store));
            var own = await runtime.MetricsServers.SnapshotAsync(_now, cancellationToken).ConfigureAwait(false);
            _snapshot = [.. own, .. Sample];
            if (await ShouldProcessAsync(settings.StatePath, $"Keep {_snapshot.Count} metric samples for later evaluations").ConfigureAwait(false))
            {
                try
                {
                    await _history.RecordAsync(_snapshot, _now, TimeSpan.FromHours(settings.MetricHistoryRetentionHours), cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException ex)
                {
                    throw ErrorRecords.Terminating(new ErrorRecord(ex, "MetricSampleDuplicate", ErrorCategory.InvalidData, Sample));
                }
                _snapshotRecorded = true;
            }
            WriteDebug($"InProcess samples={_snapshot.Count} StatePath={settings.StatePath} MetricHistoryRetentionHours={settings.MetricHistoryRetentionHours}");
            return;
        }
        var resilience = new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(settings.TimeoutSec), RetryCount = settings.RetryCount };
        _evaluator = _newEvaluator(new PrometheusQueryEngine(runtime.Http, runtime.Pipelines, PrometheusUri, resilience, MaxResponseBytes));
        WriteDebug($"PrometheusUri={HttpExchange.DisplayTarget(PrometheusUri)} AlertmanagerUri={(AlertmanagerUri is null ? "" : HttpExchange.DisplayTarget(AlertmanagerUri))} StatePath={settings.StatePath} TimeoutSec={settings.TimeoutSec} RetryCount={settings.RetryCount}");
    }

    /// <summary>An evaluator over the samples the file's expressions read: the kept history of their window, and this invocation's snapshot.</summary>
    private async Task<RuleEvaluator> InProcessEvaluatorAsync(RuleFile file, CancellationToken cancellationToken)
    {
        var window = new PromQlOptions().LookbackDelta;
        foreach (var rule in file.Groups.SelectMany(g => g.Rules).Where(r => r.IsAlert))
        {
            try
            {
                var span = ExpressionWindow.Of(rule.Expression);
                if (span > window) window = span;
            }
            catch (PromQlException)
            {
                // The evaluation reports it for the rule; the window does not depend on it.
            }
        }
        var series = await _history!.LoadAsync(_now - window, _now, cancellationToken).ConfigureAwait(false);
        if (!_snapshotRecorded)
        {
            foreach (var sample in _snapshot)
            {
                var labels = new Dictionary<string, string>(sample.Labels) { ["__name__"] = sample.Name };
                series.Add(labels, _now.ToUnixTimeMilliseconds(), sample.Value);
            }
        }
        return _newEvaluator!(new PromQlEngine(series));
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (var path in RuleFiles.Resolve(this, Path))
        {
            var result = RuleFileReader.Read(path, cancellationToken);
            if (!result.IsValid)
            {
                foreach (var problem in result.Problems) WriteError(RuleFiles.Invalid(problem));
                continue;
            }
            var recording = result.File.Groups.Sum(g => g.Rules.Count(r => !r.IsAlert));
            if (recording > 0) WriteVerbose($"{path}: {recording} recording rule(s) are not evaluated; Prometheus records them itself.");
            var send = await ShouldProcessAsync(path, "Evaluate the alerting rules, keep their state and send alerts").ConfigureAwait(false);
            WriteVerbose($"Evaluating the alerting rules of {path} {(InProcess ? "in-process" : $"against {HttpExchange.DisplayTarget(PrometheusUri)}")}");
            var evaluator = InProcess ? await InProcessEvaluatorAsync(result.File, cancellationToken).ConfigureAwait(false) : _evaluator!;
            try
            {
                await WriteAlertsAsync(evaluator.EvaluateAsync(result.File, send, cancellationToken)).ConfigureAwait(false);
            }
            catch (QueryEngineUnreachableException ex)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"The rules of {path} were not evaluated: {ex.Message}", ex),
                    "PrometheusUnreachable", ErrorCategory.ConnectionError, HttpExchange.DisplayTarget(PrometheusUri)));
            }
        }
    }

    private async Task WriteAlertsAsync(IAsyncEnumerable<RuleAlert> alerts)
    {
        await foreach (var alert in alerts.ConfigureAwait(false))
        {
            if (alert.Error is { } error)
                WriteWarning($"{alert.AlertName} ({alert.Group}, {alert.File}) was not evaluated: {error}");
            foreach (var failure in alert.Failed)
                WriteError(new ErrorRecord(new InvalidOperationException($"The {alert.State} alert {alert.AlertName} was not delivered: {failure}"),
                    "NotificationFailed", ErrorCategory.ConnectionError, alert));
            WriteObject(alert);
        }
    }
}
