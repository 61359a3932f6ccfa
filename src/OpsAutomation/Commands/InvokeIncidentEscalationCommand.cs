using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Incidents.Escalation;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>
/// Advances the escalation of incidents by an escalation policy file: an unacknowledged incident
/// moves up a level when its delay passes (or at once when a runbook asked), and the level's
/// channels are paged; an acknowledged one stops and PagerDuty is told; a resolved one is resolved
/// everywhere it was paged. State persists, so a scheduled rerun never pages twice, and a channel
/// that failed is sent the message again on the next run.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "IncidentEscalation", HelpUri = "docs/Invoke-IncidentEscalation.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(EscalationResult))]
public sealed class InvokeIncidentEscalationCommand : OpsCmdlet
{
    private EscalationEngine? _engine;
    private bool _sawIds;

    /// <summary>The escalation policy file (psd1, JSON or YAML).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("PolicyPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The incidents to escalate, such as New-Incident or Get-Incident write them. Default: every open incident, and every incident whose resolve or retry is still owed.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>The state directory that holds the incidents and their escalation state.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var path = ResolvePath(Path);
        // The log's redactor learns every channel secret as it is resolved.
        var redactor = new SecretRedactor();
        var secrets = Secrets();
        EscalationPolicySet policies;
        try
        {
            policies = EscalationPolicyReader.Read(path, runtime.Configuration,
                map => NotificationChannels.Create(map, runtime.Http, secrets, System.IO.Path.GetDirectoryName(path), redactor));
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "EscalationPolicyInvalid", path));
        }
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var log = Own(new OpsLog(Guid.NewGuid().ToString("N"), OpsLogOptions.FromSettings(settings, WriteVerbose), redactor, runtime.Time));
        _engine = new EscalationEngine(policies, new IncidentStore(store, runtime.Time, redactor), new EscalationStateStore(store),
            new Notifier(runtime.Pipelines), runtime.Time, log);
        WriteDebug($"Path={path} StatePath={settings.StatePath} Policies={string.Join(", ", policies.Policies.Select(p => p.Name))}");
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (Id is null) return;
        _sawIds = true;
        foreach (var id in Id)
        {
            try
            {
                if (await _engine!.EscalateAsync(id, ShouldProcessAsync, cancellationToken).ConfigureAwait(false) is { } result) Write(result);
                else WriteVerbose($"Incident {id}: no escalation policy of {Path} takes it, or there is nothing to do.");
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
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_sawIds) return;
        try
        {
            await foreach (var result in _engine!.RunAsync(ShouldProcessAsync, cancellationToken).ConfigureAwait(false)) Write(result);
        }
        catch (StateStoreException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.StateStoreFailure(ex));
        }
    }

    private void Write(EscalationResult result)
    {
        WriteVerbose($"Incident {result.Id}: {result.Action}, level {result.LevelBefore} -> {result.LevelAfter}{(result.Reason is null ? "" : $" ({result.Reason})")}.");
        foreach (var failure in result.Failed)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"Incident {result.Id}: {failure}; it is sent again on the next run."),
                "NotificationFailed", ErrorCategory.ConnectionError, result));
        }
        WriteObject(result);
    }
}
