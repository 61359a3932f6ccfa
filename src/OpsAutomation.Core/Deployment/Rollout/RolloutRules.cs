using k8s.Models;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// `kubectl rollout status`'s rules for a Deployment (kubectl's rollout_status.go), with its words:
/// nothing is judged until the controller has observed the current generation; then a Progressing
/// condition with reason ProgressDeadlineExceeded fails, fewer updated replicas than wanted, old
/// replicas left, or fewer available than updated replicas wait; otherwise it is rolled out.
/// </summary>
internal static class RolloutRules
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string TimedOutReason = "ProgressDeadlineExceeded";

    /// <summary>Where the rollout stands: done, still waiting, or failed with <see cref="Verdict.Failure"/>.</summary>
    public sealed record Verdict(bool Done, string Message, RolloutStatus? Failure = null);

    /// <param name="revision">The revision to wait for; 0 follows the Deployment's latest, as kubectl's --revision=0.</param>
    public static Verdict Evaluate(V1Deployment deployment, long revision)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var name = deployment.Metadata.Name;
        var status = deployment.Status ?? new V1DeploymentStatus();
        if (revision > 0 && Revision(deployment.Metadata) is var current && current != revision)
            return new Verdict(false, $"desired revision ({revision}) is different from the running revision ({current})", RolloutStatus.RevisionChanged);
        if ((deployment.Metadata.Generation ?? 0) > (status.ObservedGeneration ?? 0))
            return new Verdict(false, "Waiting for deployment spec update to be observed...");
        var progressing = status.Conditions?.FirstOrDefault(c => c.Type == "Progressing");
        if (progressing?.Reason == TimedOutReason)
        {
            var detail = string.IsNullOrEmpty(progressing.Message) ? "" : $": {progressing.Message}";
            return new Verdict(false, $"deployment \"{name}\" exceeded its progress deadline{detail}", RolloutStatus.ProgressDeadlineExceeded);
        }
        var updated = status.UpdatedReplicas ?? 0;
        if (deployment.Spec?.Replicas is { } desired && updated < desired)
            return new Verdict(false, $"Waiting for deployment \"{name}\" rollout to finish: {updated} out of {desired} new replicas have been updated...");
        if ((status.Replicas ?? 0) > updated)
            return new Verdict(false, $"Waiting for deployment \"{name}\" rollout to finish: {status.Replicas - updated} old replicas are pending termination...");
        if ((status.AvailableReplicas ?? 0) < updated)
            return new Verdict(false, $"Waiting for deployment \"{name}\" rollout to finish: {status.AvailableReplicas ?? 0} of {updated} updated replicas are available...");
        return new Verdict(true, $"deployment \"{name}\" successfully rolled out");
    }

    /// <summary>The revision annotation of a Deployment or ReplicaSet; 0 when it has none or it does not parse.</summary>
    public static long Revision(V1ObjectMeta? metadata) =>
        metadata?.Annotations?.TryGetValue(RevisionAnnotation, out var text) == true
        && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    /// <summary>The state the Deployment is in, for progress and for saying where a stopped wait left it.</summary>
    public static RolloutProgress Progress(V1Deployment deployment, string message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var status = deployment.Status ?? new V1DeploymentStatus();
        return new RolloutProgress
        {
            Name = deployment.Metadata.Name,
            Namespace = deployment.Metadata.NamespaceProperty,
            Revision = Revision(deployment.Metadata),
            Desired = deployment.Spec?.Replicas ?? 1,
            Updated = status.UpdatedReplicas ?? 0,
            Ready = status.ReadyReplicas ?? 0,
            Available = status.AvailableReplicas ?? 0,
            Total = status.Replicas ?? 0,
            Message = message,
            Timestamp = now,
        };
    }
}
