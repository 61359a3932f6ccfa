using System.Management.Automation;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Commands;

/// <summary>
/// Evaluates the alerting rules of Prometheus rule files against a Prometheus server, keeps
/// their pending and firing state in the state store, and sends firing and resolved alerts
/// to Alertmanager.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PrometheusRule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RuleAlert))]
public sealed class InvokePrometheusRuleCommand : OpsCmdlet
{
    private RuleEvaluator? _evaluator;

    /// <summary>Rule files; wildcards are allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The Prometheus server that evaluates the expressions, such as http://127.0.0.1:9090.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public Uri PrometheusUri { get; set; } = null!;

    /// <summary>An Alertmanager to send firing and resolved alerts to (API v2).</summary>
    [Parameter]
    public Uri? AlertmanagerUri { get; set; }

    /// <summary>The state directory that keeps the alert state between runs.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>The limit of one query attempt, in seconds. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; }

    /// <summary>Retries of a query that failed to connect, timed out or got a 5xx answer. Default 0.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        if (!PrometheusUri.IsAbsoluteUri || PrometheusUri.Scheme is not ("http" or "https"))
            throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-PrometheusUri '{PrometheusUri.OriginalString}' is not an absolute http(s) URL."),
                "PrometheusUriInvalid", ErrorCategory.InvalidArgument, PrometheusUri));
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var channels = new List<INotificationChannel>();
        if (AlertmanagerUri is not null)
        {
            var map = new ConfigurationMap(new Dictionary<string, object?> { ["Type"] = "Alertmanager", ["Uri"] = AlertmanagerUri.OriginalString }, "parameters", "",
                key => key == "Uri" ? "-AlertmanagerUri" : key);
            try
            {
                channels.Add(NotificationChannels.Create(map, runtime.Http, new SecretResolver(), null, new SecretRedactor()));
            }
            catch (ConfigurationException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "AlertChannelInvalid", AlertmanagerUri));
            }
        }
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var resilience = new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(settings.TimeoutSec), RetryCount = settings.RetryCount };
        var engine = new PrometheusQueryEngine(runtime.Http, runtime.Pipelines, PrometheusUri, resilience);
        _evaluator = new RuleEvaluator(engine, new RuleAlertStateStore(store), new Notifier(runtime.Pipelines), channels, runtime.Time);
        WriteDebug($"PrometheusUri={PrometheusUri} AlertmanagerUri={AlertmanagerUri} StatePath={settings.StatePath} TimeoutSec={settings.TimeoutSec} RetryCount={settings.RetryCount}");
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
            WriteVerbose($"Evaluating the alerting rules of {path} against {PrometheusUri}");
            await foreach (var alert in _evaluator!.EvaluateAsync(result.File, send, cancellationToken).ConfigureAwait(false))
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
}
