using k8s;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Rollout;

/// <summary>The cluster's revisions joined with the module's records.</summary>
[Collection(RolloutSandboxTests.Collection)]
public sealed class DeploymentHistoryTests(RolloutSandbox sandbox) : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly IKubernetes _client = sandbox.Client;
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    private async Task WaitAsync(string ns) =>
        await new RolloutWatcher(_client).WaitAsync(new RolloutWaitOptions { Name = "web", Namespace = ns, Timeout = TimeSpan.FromMinutes(1) }, CancellationToken.None)
            .WaitAsync(Guard);

    [Fact]
    public async Task History_lists_each_revision_with_its_change_cause_and_images_and_the_record_of_the_run_that_made_it()
    {
        var ns = await sandbox.NewNamespaceAsync("history");
        var records = new DeploymentRecordStore(await StateStore.OpenAsync(_state.Path, CancellationToken.None));
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1"), ns);
        await WaitAsync(ns);
        var run = await records.StartAsync(new DeploymentRecord
        {
            Id = "run-2", Name = "web", Namespace = ns, Context = "sandbox", Strategy = "Rolling", Image = "sample:2", ImageDigest = "sha256:" + new string('b', 64),
            User = "ops@box", StartedAt = DateTimeOffset.UtcNow, RevisionBefore = 1,
        }, CancellationToken.None);
        await sandbox.UpdateAsync("web", ns, "sample:2", changeCause: "release 2");
        await WaitAsync(ns);
        await records.FinishAsync(run.Id, DeploymentOutcome.Succeeded, null, 2, CancellationToken.None);
        // Back to sample:1 by Undo: revision 1's ReplicaSet becomes revision 3 (keeping 1 in its revision-history), and the undo is recorded.
        await new DeploymentUndo(_client).UndoAsync(new DeploymentUndoOptions
        {
            Name = "web", Namespace = ns, Context = "sandbox", Records = records, Wait = new RolloutWaitOptions { Name = "web", Namespace = ns, Timeout = TimeSpan.FromMinutes(1) },
        }, CancellationToken.None).WaitAsync(Guard);

        var history = await new DeploymentHistory(_client, records).ReadAsync("web", ns, "sandbox", CancellationToken.None);

        Assert.Equal([2L, 3L], history.Select(h => h.Revision));
        var second = history[0];
        Assert.Equal(("release 2", false, "run-2", DeploymentOutcome.Succeeded), (second.ChangeCause, second.Current, second.Record?.Id, second.Outcome));
        Assert.Equal(["sample:2"], second.Images);
        Assert.Equal(("sha256:" + new string('b', 64), "ops@box"), (second.ImageDigest, second.User));
        var third = history[1];
        Assert.True(third.Current);
        Assert.Equal(["sample:1"], third.Images);
        Assert.Equal(("Undo", DeploymentOutcome.Succeeded, 2L, 3L), (third.Record?.Strategy, third.Outcome, third.Record?.RevisionBefore, third.Record?.RevisionAfter));
        Assert.Equal(DeploymentRecordStore.CurrentUser(), third.User);
        Assert.Equal(2, third.ReadyReplicas);
        // The undo's record keeps the replica counts of the rollout it waited for.
        var details = Core.Deployment.DeploymentDetails.Parse(third.Record!.DetailsJson)!;
        Assert.NotEmpty(Assert.Single(details.Rollouts).History);

        // Records of another context are not joined.
        var elsewhere = await new DeploymentHistory(_client, records).ReadAsync("web", ns, "prod", CancellationToken.None);
        Assert.All(elsewhere, h => Assert.Null(h.Record));
    }
}
