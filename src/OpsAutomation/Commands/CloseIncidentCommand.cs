using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Incidents;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>Resolves incidents by hand, with a reason on the timeline. If their signals fire again within the reopen window, New-Incident reopens them.</summary>
[Cmdlet(VerbsCommon.Close, "Incident", HelpUri = "docs/Close-Incident.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Incident))]
public sealed class CloseIncidentCommand : IncidentCommand
{
    /// <summary>The incidents to resolve (objects from Get-Incident or New-Incident bind by their Id; runbook runs, diagnostics bundles and post-mortems by their IncidentId).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ArgumentCompleter(typeof(IncidentIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Why it is over, for the timeline and the post-mortem.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }

    /// <summary>Writes each resolved incident.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = await OpenIncidentsAsync(cancellationToken).ConfigureAwait(false);
        var time = ModuleRuntime.Get().Time;
        foreach (var id in Id)
        {
            if (!await ShouldProcessAsync(id, "Resolve incident" + (Reason is null ? "" : $": {Reason}")).ConfigureAwait(false)) continue;
            var closed = await ForIncidentAsync(id, () => store.UpdateAsync(id, incident =>
            {
                if (incident.State == IncidentState.Resolved)
                    throw new IncidentTransitionException(incident.Id, incident.State, IncidentState.Resolved, $"it was resolved at {incident.ResolvedAt:u}");
                return IncidentLifecycle.Transition(incident, IncidentState.Resolved, Actor, time.GetUtcNow(), Reason ?? $"closed by {Actor}");
            }, cancellationToken)).ConfigureAwait(false);
            if (closed is null) continue;
            WriteVerbose($"Resolved {closed.Id}: {closed.Title}");
            if (PassThru) WriteObject(closed);
        }
    }
}
