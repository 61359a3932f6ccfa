using System.Management.Automation;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Deployment;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>
/// Waits for a Deployment's rollout as `kubectl rollout status` does, failing fast when a new pod
/// crash-loops, cannot pull its image, cannot be configured or is OOM-killed.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "DeploymentRollout", HelpUri = "docs/Wait-DeploymentRollout.md")]
[OutputType(typeof(RolloutResult))]
public sealed class WaitDeploymentRolloutCommand : DeploymentCommand
{
    private const int ProgressActivityId = 0x4F52;

    /// <summary>The revision to wait for; a newer one is RolloutRevisionChanged. Default 0: the latest.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, long.MaxValue)]
    public long Revision { get; set; }

    /// <summary>Seconds to wait at most; 0 (the default) waits until the rollout completes or the Deployment's progress deadline passes.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public double TimeoutSec { get; set; }

    /// <summary>Log lines of a failing container to show. Default 20; 0 shows none.</summary>
    [Parameter]
    [ValidateRange(0, 10_000)]
    public int LogLines { get; set; } = 20;

    /// <summary>Keep waiting while a new pod crash-loops or cannot pull its image (until the progress deadline or -TimeoutSec).</summary>
    [Parameter]
    public SwitchParameter NoFailFast { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var watcher = Connect((clients, target) => new RolloutWatcher(clients, target, ModuleRuntime.Get().Time));
        var progress = new RolloutProgressBar(this, ProgressActivityId);
        WriteVerbose($"Waiting for the rollout of deployment {Namespace}/{Name}{(Revision > 0 ? $" at revision {Revision}" : "")}");
        try
        {
            var result = await watcher.WaitAsync(new RolloutWaitOptions
            {
                Name = Name, Namespace = Namespace, Revision = Revision, Timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null,
                LogLines = LogLines, FailFast = !NoFailFast, Progress = progress,
            }, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded) WriteObject(result);
            else WriteError(RolloutError(result));
        }
        catch (DeploymentApiException ex)
        {
            WriteError(ApiError(ex));
        }
        finally
        {
            progress.Complete();
        }
    }
}
