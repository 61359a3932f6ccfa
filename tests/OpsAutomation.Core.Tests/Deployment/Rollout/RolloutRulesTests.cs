using k8s.Models;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Rollout;

/// <summary>kubectl rollout status's rules, case by case (kubectl's rollout_status_test.go has the same table).</summary>
public sealed class RolloutRulesTests
{
    [Theory]
    [InlineData(2, 1, 3, 3, 3, 3, null, false, "Waiting for deployment spec update to be observed...", null)]
    [InlineData(1, 1, 3, 1, 3, 1, null, false, "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...", null)]
    [InlineData(1, 1, 3, 3, 4, 3, null, false, "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...", null)]
    [InlineData(1, 1, 3, 3, 3, 2, null, false, "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...", null)]
    [InlineData(1, 1, 3, 3, 3, 3, null, true, "deployment \"web\" successfully rolled out", null)]
    [InlineData(1, 1, 3, 1, 3, 1, "ProgressDeadlineExceeded", false, "deployment \"web\" exceeded its progress deadline: ReplicaSet \"web-1\" has timed out progressing.", RolloutStatus.ProgressDeadlineExceeded)]
    [InlineData(2, 1, 3, 1, 3, 1, "ProgressDeadlineExceeded", false, "Waiting for deployment spec update to be observed...", null)]
    [InlineData(1, 1, 3, 3, 3, 3, "NewReplicaSetAvailable", true, "deployment \"web\" successfully rolled out", null)]
    public void Status_follows_kubectl(long generation, long observed, int desired, int updated, int total, int available, string? reason, bool done, string message, RolloutStatus? failure)
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop", Generation = generation },
            Spec = new V1DeploymentSpec { Replicas = desired },
            Status = new V1DeploymentStatus
            {
                ObservedGeneration = observed, UpdatedReplicas = updated, Replicas = total, AvailableReplicas = available,
                Conditions = reason is null ? null : [new V1DeploymentCondition { Type = "Progressing", Status = "False", Reason = reason, Message = "ReplicaSet \"web-1\" has timed out progressing." }],
            },
        };

        var verdict = RolloutRules.Evaluate(deployment, revision: 0);

        Assert.Equal((done, message, failure), (verdict.Done, verdict.Message, verdict.Failure));
    }

    [Fact]
    public void A_pinned_revision_that_is_no_longer_the_deployments_is_RevisionChanged()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", Generation = 1, Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = "4" } },
            Spec = new V1DeploymentSpec { Replicas = 1 },
            Status = new V1DeploymentStatus { ObservedGeneration = 1 },
        };

        var verdict = RolloutRules.Evaluate(deployment, revision: 3);

        Assert.Equal(("desired revision (3) is different from the running revision (4)", RolloutStatus.RevisionChanged), (verdict.Message, verdict.Failure));
    }
}
