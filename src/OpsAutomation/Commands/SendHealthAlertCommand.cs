using System.Management.Automation;
using OpsAutomation.Core.Alerting;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>
/// Evaluates health results against alert thresholds on the persisted history and notifies
/// Alertmanager, PagerDuty, Slack, Teams or a webhook when an alert fires or resolves.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "HealthAlert", HelpUri = "docs/Send-HealthAlert.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(HealthAlert))]
public sealed class SendHealthAlertCommand : OpsCmdlet
{
    private HealthAlertEvaluator? _evaluator;

    /// <summary>Health results, as Test-ServiceHealth and Watch-ServiceHealth write them.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public HealthCheckResult[] InputObject { get; set; } = [];

    /// <summary>A catalog whose Alerting section gives thresholds and channels.</summary>
    [Parameter(Position = 0)]
    [Alias("CatalogPath")]
    public string? Path { get; set; }

    /// <summary>An Alertmanager to post alerts to (API v2).</summary>
    [Parameter]
    public Uri? AlertmanagerUri { get; set; }

    /// <summary>A PagerDuty Events v2 routing key, as a reference: env:NAME, file:PATH or secret:NAME.</summary>
    [Parameter]
    public string? PagerDutyRoutingKey { get; set; }

    /// <summary>A Slack incoming webhook URL, as a reference: env:NAME, file:PATH or secret:NAME.</summary>
    [Parameter]
    [Alias("SlackWebhook")]
    public string? SlackWebhookUri { get; set; }

    /// <summary>A Teams Workflows webhook URL, as a reference: env:NAME, file:PATH or secret:NAME.</summary>
    [Parameter]
    [Alias("TeamsWebhook")]
    public string? TeamsWebhookUri { get; set; }

    /// <summary>A generic JSON webhook URL (or a reference to one).</summary>
    [Parameter]
    public string? WebhookUri { get; set; }

    /// <summary>Consecutive failed checks before an alert fires. Default 3.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int FailureThreshold { get; set; }

    /// <summary>Consecutive good checks before a firing alert resolves. Default 2.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int SuccessThreshold { get; set; }

    /// <summary>Do not notify when an alert resolves.</summary>
    [Parameter]
    public SwitchParameter NoResolved { get; set; }

    /// <summary>The state directory that holds the history and the alert state.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var catalog = Path is null ? null : ReadCatalog(Path);
        var settings = LoadSettings(catalog?.Settings);
        var baseDirectory = BaseDirectory(catalog);
        // The log's redactor learns every channel secret as it is resolved.
        var redactor = new SecretRedactor();

        HealthAlertOptions options;
        List<INotificationChannel> channels;
        try
        {
            options = HealthAlertOptions.From(catalog?.Alerting);
            options = options with
            {
                FailureThreshold = FailureThreshold > 0 ? FailureThreshold : options.FailureThreshold,
                SuccessThreshold = SuccessThreshold > 0 ? SuccessThreshold : options.SuccessThreshold,
                SendResolved = !NoResolved && options.SendResolved,
            };
            channels = [.. CatalogChannels(catalog, runtime, baseDirectory, redactor), .. ParameterChannels(runtime, baseDirectory, redactor)];
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "AlertChannelInvalid", catalog?.Path));
        }
        if (channels.Count == 0)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException("No alert channel: give -AlertmanagerUri, -PagerDutyRoutingKey, -SlackWebhookUri, -TeamsWebhookUri or -WebhookUri, or a -Path catalog with Alerting.Channels."),
                "NoAlertChannel", ErrorCategory.InvalidArgument, null));
        }

        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var log = Own(new OpsLog(Guid.NewGuid().ToString("N"), OpsLogOptions.FromSettings(settings, WriteVerbose), redactor, runtime.Time));
        _evaluator = new HealthAlertEvaluator(options, channels, new Notifier(runtime.Pipelines), store, runtime.Time, log);
        WriteVerbose($"Alerting through {string.Join(", ", channels.Select(c => c.Name))}: fire after {options.FailureThreshold} failures, resolve after {options.SuccessThreshold} successes.");
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (var result in InputObject)
        {
            var whatIf = !await ShouldProcessAsync(result.Name, "Evaluate the health alert and notify its channels").ConfigureAwait(false);
            var alert = await _evaluator!.EvaluateAsync(result, whatIf, cancellationToken).ConfigureAwait(false);
            foreach (var failure in alert.Failed)
                WriteError(new ErrorRecord(new InvalidOperationException($"The {alert.State} alert of {alert.Name} was not delivered: {failure}"),
                    "NotificationFailed", ErrorCategory.ConnectionError, result));
            if (alert.Changed || alert.State == AlertState.Firing || alert.Delivered.Count + alert.Failed.Count > 0) WriteObject(alert);
        }
    }

    private IEnumerable<INotificationChannel> CatalogChannels(HealthCatalog? catalog, Core.OpsRuntime runtime, string? baseDirectory, SecretRedactor redactor)
    {
        if (catalog?.Alerting is not { } alerting) return [];
        var secrets = Secrets();
        return alerting.GetMapList("Channels").Select(map => NotificationChannels.Create(map, runtime.Http, secrets, baseDirectory, redactor));
    }

    private IEnumerable<INotificationChannel> ParameterChannels(Core.OpsRuntime runtime, string? baseDirectory, SecretRedactor redactor)
    {
        var given = new (string Type, string Key, object? Value, string Parameter)[]
        {
            ("Alertmanager", "Uri", AlertmanagerUri?.OriginalString, nameof(AlertmanagerUri)),
            ("PagerDuty", "RoutingKey", PagerDutyRoutingKey, nameof(PagerDutyRoutingKey)),
            ("Slack", "Uri", SlackWebhookUri, nameof(SlackWebhookUri)),
            ("Teams", "Uri", TeamsWebhookUri, nameof(TeamsWebhookUri)),
            ("Webhook", "Uri", WebhookUri, nameof(WebhookUri)),
        };
        foreach (var (type, key, value, parameter) in given.Where(g => g.Value is not null))
        {
            var map = new ConfigurationMap(new Dictionary<string, object?> { ["Type"] = type, [key] = value }, "parameters", "", k => k == key ? "-" + parameter : k);
            yield return NotificationChannels.Create(map, runtime.Http, Secrets(), baseDirectory, redactor);
        }
    }
}
