using System.Management.Automation;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Deployment;

/// <summary>
/// The parameters every single-step deployment cmdlet shares (which Deployment, through which
/// kubeconfig and context), all bound by property name so results pipe from one to the next, and
/// the error records their failures become.
/// </summary>
public abstract class DeploymentCommand : OpsCmdlet
{
    /// <summary>The Deployment's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The Deployment's namespace. Default: default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = "default";

    /// <summary>The kubeconfig file. Default: KUBECONFIG, else ~/.kube/config, else the pod's service account.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context. Default: its current-context.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Context { get; set; }

    /// <summary>The cluster to use; watches are long, so the per-request limit is off and the caller bounds them.</summary>
    protected KubernetesTarget Target() =>
        new(Kubeconfig is null ? null : ResolvePath(Kubeconfig), Context, null, false, Timeout.InfiniteTimeSpan, "-Kubeconfig");

    /// <summary>Builds a Core service on the cluster's client; a kubeconfig that cannot be used is a terminating KubernetesConfigurationInvalid.</summary>
    protected T Connect<T>(Func<KubernetesClients, KubernetesTarget, T> create)
    {
        try
        {
            return create(ModuleRuntime.Get().Kubernetes, Target());
        }
        catch (KubernetesConfigurationException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "KubernetesConfigurationInvalid", ErrorCategory.InvalidArgument, Kubeconfig));
        }
    }

    /// <summary>An API failure as an error record: 404 DeploymentNotFound, 401/403 KubernetesUnauthorized, no answer KubernetesApiUnavailable.</summary>
    protected ErrorRecord ApiError(DeploymentApiException exception) => exception.StatusCode switch
    {
        404 => new(exception, "DeploymentNotFound", ErrorCategory.ObjectNotFound, $"{Namespace}/{Name}"),
        401 or 403 => new(exception, "KubernetesUnauthorized", ErrorCategory.PermissionDenied, $"{Namespace}/{Name}"),
        null => new(exception, "KubernetesApiUnavailable", ErrorCategory.ConnectionError, $"{Namespace}/{Name}"),
        _ => new(exception, "KubernetesApiFailed", ErrorCategory.InvalidOperation, $"{Namespace}/{Name}"),
    };

    /// <summary>A rollout that did not complete, as an error whose id says how (RolloutPodFailed, RolloutTimedOut...) and whose target is the result.</summary>
    protected static ErrorRecord RolloutError(RolloutResult result) => new(
        new RolloutFailedException(result),
        result.Status == RolloutStatus.NotFound ? "DeploymentNotFound" : "Rollout" + result.Status,
        result.Status switch
        {
            RolloutStatus.NotFound => ErrorCategory.ObjectNotFound,
            RolloutStatus.TimedOut or RolloutStatus.ProgressDeadlineExceeded => ErrorCategory.OperationTimeout,
            _ => ErrorCategory.InvalidResult,
        },
        result);

    /// <summary>Shows a rollout's state as one progress bar: available replicas of those wanted.</summary>
    protected sealed class RolloutProgressBar(OpsCmdlet command, int activityId) : IProgress<RolloutProgress>
    {
        public void Report(RolloutProgress value)
        {
            ArgumentNullException.ThrowIfNull(value);
            command.WriteProgress(new ProgressRecord(activityId, $"Rollout of {value.Namespace}/{value.Name} (revision {value.Revision})", value.Summary)
            {
                PercentComplete = value.Desired > 0 ? Math.Clamp(100 * value.Available / value.Desired, 0, 100) : 100,
                CurrentOperation = value.Message,
            });
        }

        public void Complete() =>
            command.WriteProgress(new ProgressRecord(activityId, "Rollout", "Done") { RecordType = ProgressRecordType.Completed });
    }
}
