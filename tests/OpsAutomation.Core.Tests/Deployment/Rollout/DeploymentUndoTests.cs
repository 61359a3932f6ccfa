using k8s;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Rollout;

/// <summary>`kubectl rollout undo` against the sandbox's Deployment controller.</summary>
[Collection(RolloutSandboxTests.Collection)]
public sealed class DeploymentUndoTests(RolloutSandbox sandbox)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly IKubernetes _client = sandbox.Client;

    /// <summary>A Deployment rolled out at revisions 1, 2 and 3 (images sample:1, :2, :3).</summary>
    private async Task<string> ThreeRevisionsAsync(string prefix)
    {
        var ns = await sandbox.NewNamespaceAsync(prefix);
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1"), ns);
        await WaitAsync(ns);
        foreach (var image in new[] { "sample:2", "sample:3" })
        {
            await sandbox.UpdateAsync("web", ns, image, changeCause: $"deploy {image}");
            await WaitAsync(ns);
        }
        return ns;
    }

    private async Task<RolloutResult> WaitAsync(string ns) =>
        await new RolloutWatcher(_client).WaitAsync(new RolloutWaitOptions { Name = "web", Namespace = ns, Timeout = TimeSpan.FromMinutes(1) }, CancellationToken.None)
            .WaitAsync(Guard);

    private static DeploymentUndoOptions Undo(string ns, long toRevision = 0, bool wait = true) => new()
    {
        Name = "web", Namespace = ns, ToRevision = toRevision,
        Wait = wait ? new RolloutWaitOptions { Name = "web", Namespace = ns, Timeout = TimeSpan.FromMinutes(1) } : null,
    };

    [Fact]
    public async Task Undo_goes_back_to_the_previous_template_as_a_new_revision_and_waits_for_it()
    {
        var ns = await ThreeRevisionsAsync("undo");

        var result = await new DeploymentUndo(_client).UndoAsync(Undo(ns), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal((DeploymentUndoOutcome.RolledBack, "rolled back", 3L, 2L), (result.Outcome, result.Message, result.FromRevision, result.ToRevision));
        Assert.Equal(["sample:2"], result.Images);
        Assert.Equal(RolloutStatus.Complete, result.Rollout!.Status);
        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal("sample:2", deployment.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("4", deployment.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        // The ReplicaSet's change-cause comes back with its template; the hash label is the controller's, not copied.
        Assert.Equal("deploy sample:2", deployment.Metadata.Annotations["kubernetes.io/change-cause"]);
        Assert.False(deployment.Spec.Template.Metadata.Labels.ContainsKey("pod-template-hash"));
    }

    [Fact]
    public async Task Undo_to_a_given_revision_restores_that_one()
    {
        var ns = await ThreeRevisionsAsync("to-revision");

        var result = await new DeploymentUndo(_client).UndoAsync(Undo(ns, toRevision: 1), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal((DeploymentUndoOutcome.RolledBack, 1L), (result.Outcome, result.ToRevision));
        Assert.Equal("sample:1", (await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task Undo_to_a_revision_that_does_not_exist_is_an_error_naming_it_and_changes_nothing()
    {
        var ns = await ThreeRevisionsAsync("missing-revision");

        var ex = await Assert.ThrowsAsync<DeploymentUndoException>(() => new DeploymentUndo(_client).UndoAsync(Undo(ns, toRevision: 7), CancellationToken.None));

        Assert.Equal($"unable to find specified revision 7 in history of deployment {ns}/web (revisions: 1, 2, 3)", ex.Message);
        Assert.Equal("sample:3", (await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task Undo_of_a_deployment_with_one_revision_says_there_is_no_history()
    {
        var ns = await sandbox.NewNamespaceAsync("one-revision");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1"), ns);
        await WaitAsync(ns);

        var ex = await Assert.ThrowsAsync<DeploymentUndoException>(() => new DeploymentUndo(_client).UndoAsync(Undo(ns), CancellationToken.None));

        Assert.Equal("no rollout history found for deployment \"web\" (revisions: 1)", ex.Message);
    }

    [Fact]
    public async Task Undo_to_the_current_template_is_skipped_and_a_declined_confirmation_changes_nothing()
    {
        var ns = await ThreeRevisionsAsync("skip");
        var undo = new DeploymentUndo(_client);

        var skipped = await undo.UndoAsync(Undo(ns, toRevision: 3, wait: false), CancellationToken.None);
        string? asked = null;
        var declined = await undo.UndoAsync(Undo(ns, wait: false) with { Confirm = (target, action) => { asked = $"{target}: {action}"; return Task.FromResult(false); } },
            CancellationToken.None);

        Assert.Equal((DeploymentUndoOutcome.Skipped, "skipped rollback (current template already matches revision 3)"), (skipped.Outcome, skipped.Message));
        Assert.Equal(DeploymentUndoOutcome.NotConfirmed, declined.Outcome);
        Assert.Equal($"deployment {ns}/web: roll back from revision 3 to revision 2 (app=sample:2)", asked);
        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal(("3", "sample:3"), (deployment.Metadata.Annotations["deployment.kubernetes.io/revision"], deployment.Spec.Template.Spec.Containers[0].Image));
    }

    [Fact]
    public async Task Undo_of_a_deployment_that_does_not_exist_is_a_404_naming_it()
    {
        var ns = await sandbox.NewNamespaceAsync("no-deployment");

        var ex = await Assert.ThrowsAsync<DeploymentApiException>(() => new DeploymentUndo(_client).UndoAsync(Undo(ns), CancellationToken.None));

        Assert.Equal(404, ex.StatusCode);
        Assert.StartsWith($"Could not read deployment {ns}/web: the API server answered 404", ex.Message, StringComparison.Ordinal);
    }
}
