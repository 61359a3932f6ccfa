using System.Management.Automation;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.State;
using OpsAutomation.Deployment;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>
/// Lists a Deployment's revisions (its ReplicaSets, as `kubectl rollout history`), each with the
/// module's record of the run that made it: image digest, who, when, outcome and reason. With
/// -Run, the module's records of its runs instead, also those that left no revision.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DeploymentHistory", DefaultParameterSetName = RevisionsSet, HelpUri = "docs/Get-DeploymentHistory.md")]
[OutputType(typeof(DeploymentRevision), ParameterSetName = [RevisionsSet])]
[OutputType(typeof(DeploymentRecord), ParameterSetName = [RunsSet])]
public sealed class GetDeploymentHistoryCommand : DeploymentCommand
{
    private const string RevisionsSet = "Revisions";
    private const string RunsSet = "Runs";

    /// <summary>Only this revision. Default 0: every revision.</summary>
    [Parameter(ParameterSetName = RevisionsSet)]
    [ValidateRange(0, long.MaxValue)]
    public long Revision { get; set; }

    /// <summary>The module's records of its runs of the Deployment, newest first: also the runs that made no revision (failed, rolled back, interrupted, in progress).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RunsSet)]
    public SwitchParameter Run { get; set; }

    /// <summary>With -Run: at most this many records. Default 20.</summary>
    [Parameter(ParameterSetName = RunsSet)]
    [ValidateRange(1, 10000)]
    public int Last { get; set; } = 20;

    /// <summary>The state directory holding the deployment records. Default: OPS_STATE_PATH, else the module's state directory.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        if (Run)
        {
            await WriteRunsAsync(new DeploymentRecordStore(store, ModuleRuntime.Get().Time), cancellationToken).ConfigureAwait(false);
            return;
        }
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

    private async Task WriteRunsAsync(DeploymentRecordStore records, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var record in records.ListAsync(Name, Namespace, Context, Last, cancellationToken).ConfigureAwait(false)) WriteObject(record);
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
        }
    }
}
