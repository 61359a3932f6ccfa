using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Incidents;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>
/// Acknowledges or mitigates incidents, gives them an owner or a severity, or adds a note; every
/// change goes on the timeline with user@host as its actor. States move forward only.
/// </summary>
[Cmdlet(VerbsData.Update, "Incident", HelpUri = "docs/Update-Incident.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Incident))]
public sealed class UpdateIncidentCommand : IncidentCommand
{
    /// <summary>The incidents to update (objects from Get-Incident or New-Incident bind by their Id; runbook runs, diagnostics bundles and post-mortems by their IncidentId).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ArgumentCompleter(typeof(IncidentIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Acknowledged (someone has it: escalation stops) or Mitigated (the impact is stopped).</summary>
    [Parameter]
    [ValidateSet(nameof(IncidentState.Acknowledged), nameof(IncidentState.Mitigated))]
    public IncidentState? State { get; set; }

    /// <summary>Who has the incident. Acknowledging without an owner makes you the owner.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Owner { get; set; }

    /// <summary>A new severity, set by a person.</summary>
    [Parameter]
    public HealthSeverity? Severity { get; set; }

    /// <summary>A note for the timeline.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Note { get; set; }

    /// <summary>Writes each updated incident.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (State is null && Owner is null && Severity is null && Note is null)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException("Give at least one of -State, -Owner, -Severity or -Note."),
                "IncidentUpdateMissing", ErrorCategory.InvalidArgument, null));
        }
        var store = await OpenIncidentsAsync(cancellationToken).ConfigureAwait(false);
        var time = ModuleRuntime.Get().Time;
        var changes = string.Join(", ", new[]
        {
            State is { } s ? $"State {s}" : null, Owner is null ? null : $"Owner {Owner}", Severity is { } v ? $"Severity {v}" : null, Note is null ? null : "a note",
        }.OfType<string>());
        foreach (var id in Id)
        {
            if (!await ShouldProcessAsync(id, $"Update incident: {changes}").ConfigureAwait(false)) continue;
            var updated = await ForIncidentAsync(id, () => store.UpdateAsync(id, incident =>
            {
                var now = time.GetUtcNow();
                var changed = IncidentLifecycle.Update(incident, Owner, Severity, Note, Actor, now);
                return State is { } state ? IncidentLifecycle.Transition(changed, state, Actor, now) : changed;
            }, cancellationToken)).ConfigureAwait(false);
            if (updated is null) continue;
            WriteVerbose($"Updated {updated.Id} [{updated.State}]: {changes}");
            if (PassThru) WriteObject(updated);
        }
    }
}
