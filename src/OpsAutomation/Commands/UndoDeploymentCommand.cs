using System.Management.Automation;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.State;
using OpsAutomation.Deployment;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>Rolls a Deployment back to its previous revision, or to -ToRevision, as `kubectl rollout undo` does; -Wait waits for the rollout.</summary>
[Cmdlet(VerbsCommon.Undo, "Deployment", HelpUri = "docs/Undo-Deployment.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DeploymentUndoResult))]
public sealed class UndoDeploymentCommand : DeploymentCommand
{
    private const int ProgressActivityId = 0x4F53;

    /// <summary>The revision to go back to. Default 0: the one before the current.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Revision")]
    [ValidateRange(0, long.MaxValue)]
    public long ToRevision { get; set; }

    /// <summary>Wait for the rollout of the restored template, as Wait-DeploymentRollout does.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait: seconds to wait at most; 0 (the default) waits until the rollout completes or the progress deadline passes.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public double TimeoutSec { get; set; }

    /// <summary>The state directory the undo is recorded in (Get-DeploymentHistory shows it). Default: OPS_STATE_PATH, else the module's state directory.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        var undo = Connect((clients, target) => new DeploymentUndo(clients, target, ModuleRuntime.Get().Time));
        var progress = new RolloutProgressBar(this, ProgressActivityId);
        try
        {
            var result = await undo.UndoAsync(new DeploymentUndoOptions
            {
                Name = Name, Namespace = Namespace, ToRevision = ToRevision,
                Confirm = ShouldProcessAsync,
                Records = new DeploymentRecordStore(store, ModuleRuntime.Get().Time),
                Context = Context,
                Wait = Wait ? new RolloutWaitOptions
                {
                    Name = Name, Namespace = Namespace, Timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null, Progress = progress,
                } : null,
            }, cancellationToken).ConfigureAwait(false);
            if (result.Outcome == DeploymentUndoOutcome.NotConfirmed) return;
            WriteVerbose($"deployment {Namespace}/{Name}: {result.Message}");
            WriteObject(result);
            if (result.Rollout is { Succeeded: false } rollout) WriteError(RolloutError(rollout));
        }
        catch (DeploymentUndoException ex)
        {
            WriteError(new ErrorRecord(ex, ex.Problem switch
            {
                DeploymentUndoProblem.RevisionNotFound => "DeploymentRevisionNotFound",
                DeploymentUndoProblem.NoHistory => "DeploymentHistoryEmpty",
                _ => "DeploymentPaused",
            }, ex.Problem == DeploymentUndoProblem.Paused ? ErrorCategory.InvalidOperation : ErrorCategory.ObjectNotFound, $"{Namespace}/{Name}"));
        }
        catch (DeploymentApiException ex)
        {
            WriteError(ApiError(ex));
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
        }
        finally
        {
            if (Wait) progress.Complete();
        }
    }
}
