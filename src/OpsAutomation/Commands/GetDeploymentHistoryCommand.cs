using System.Management.Automation;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.State;
using OpsAutomation.Deployment;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>
/// Lists a Deployment's revisions (its ReplicaSets, as `kubectl rollout history`), each with the
/// module's record of the run that made it: image digest, who, when, outcome and reason.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DeploymentHistory", HelpUri = "docs/Get-DeploymentHistory.md")]
[OutputType(typeof(DeploymentRevision))]
public sealed class GetDeploymentHistoryCommand : DeploymentCommand
{
    /// <summary>Only this revision. Default 0: every revision.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Revision { get; set; }

    /// <summary>The state directory holding the deployment records. Default: OPS_STATE_PATH, else the module's state directory.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        var history = Connect((clients, target) => new DeploymentHistory(clients, target, new DeploymentRecordStore(store, ModuleRuntime.Get().Time), ModuleRuntime.Get().Time));
        try
        {
            var revisions = await history.ReadAsync(Name, Namespace, Context, cancellationToken).ConfigureAwait(false);
            var shown = Revision > 0 ? revisions.Where(r => r.Revision == Revision).ToList() : revisions;
            if (Revision > 0 && shown.Count == 0)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException(
                    $"Deployment {Namespace}/{Name} has no revision {Revision} (revisions: {(revisions.Count == 0 ? "none" : string.Join(", ", revisions.Select(r => r.Revision)))})."),
                    "DeploymentRevisionNotFound", ErrorCategory.ObjectNotFound, $"{Namespace}/{Name}"));
            }
            foreach (var revision in shown) WriteObject(revision);
        }
        catch (DeploymentApiException ex)
        {
            WriteError(ApiError(ex));
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
        }
    }
}
