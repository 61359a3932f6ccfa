using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using OpsAutomation.Sandbox.Controllers;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>The Deployment controller seen through KubernetesClient: revisions, rolling updates, rollback, conditions.</summary>
[Collection(SandboxTests.Collection)]
public sealed class DeploymentControllerTests(SandboxFixture sandbox)
{
    private readonly IKubernetes _client = sandbox.Client;

    private static V1Deployment Deployment(string image, int replicas = 3) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image }] },
            },
        },
    };

    private async Task<bool> RolledOutAsync(string ns, string image)
    {
        var d = await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        return d.Status is { } status && status.ObservedGeneration == d.Metadata.Generation && status.UpdatedReplicas == d.Spec.Replicas
            && status.Replicas == d.Spec.Replicas && status.AvailableReplicas == d.Spec.Replicas
            && d.Spec.Template.Spec.Containers[0].Image == image;
    }

    private Task<V1Deployment> SetImageAsync(string ns, string image) =>
        _client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":""" + $"\"{image}\"" + "}]}}}}", V1Patch.PatchType.StrategicMergePatch), "web", ns);

    [Fact]
    public async Task A_deployment_rolls_out_one_replica_set_at_revision_1_and_reports_its_conditions()
    {
        var ns = await sandbox.NewNamespaceAsync("deploy");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("sample:1"), ns);

        Assert.True(await SandboxFixture.EventuallyAsync(() => RolledOutAsync(ns, "sample:1")));

        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        var rs = Assert.Single((await _client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
        var hash = rs.Metadata.Labels[DeploymentController.HashLabel];
        Assert.Equal($"web-{hash}", rs.Metadata.Name);
        Assert.Equal("1", rs.Metadata.Annotations[DeploymentController.RevisionAnnotation]);
        Assert.Equal("1", deployment.Metadata.Annotations[DeploymentController.RevisionAnnotation]);
        Assert.Equal(hash, rs.Spec.Selector.MatchLabels[DeploymentController.HashLabel]);
        Assert.Equal(3, (await _client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"pod-template-hash={hash}")).Items.Count);
        var conditions = deployment.Status.Conditions.ToDictionary(c => c.Type);
        Assert.Equal(("True", "MinimumReplicasAvailable"), (conditions["Available"].Status, conditions["Available"].Reason));
        Assert.Equal(("True", "NewReplicaSetAvailable", $"ReplicaSet \"{rs.Metadata.Name}\" has successfully progressed."),
            (conditions["Progressing"].Status, conditions["Progressing"].Reason, conditions["Progressing"].Message));
        var events = await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=web,reason=ScalingReplicaSet");
        Assert.Contains(events.Items, e => e.Message.StartsWith($"Scaled up replica set {rs.Metadata.Name} to ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_template_rolls_to_a_new_revision_and_the_old_template_comes_back_as_the_next_one()
    {
        var ns = await sandbox.NewNamespaceAsync("deploy-roll");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("sample:1"), ns);
        Assert.True(await SandboxFixture.EventuallyAsync(() => RolledOutAsync(ns, "sample:1")));
        var first = Assert.Single((await _client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);

        await SetImageAsync(ns, "sample:2");
        Assert.True(await SandboxFixture.EventuallyAsync(() => RolledOutAsync(ns, "sample:2")));
        await SetImageAsync(ns, "sample:1");
        Assert.True(await SandboxFixture.EventuallyAsync(() => RolledOutAsync(ns, "sample:1")));

        var sets = (await _client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.ToDictionary(r => r.Metadata.Name);
        Assert.Equal(2, sets.Count);
        var back = sets[first.Metadata.Name];
        Assert.Equal(("3", "1", 3), (back.Metadata.Annotations[DeploymentController.RevisionAnnotation],
            back.Metadata.Annotations[DeploymentController.RevisionHistoryAnnotation], back.Spec.Replicas ?? 0));
        var second = sets.Values.Single(r => r.Metadata.Name != first.Metadata.Name);
        Assert.Equal(("2", 0), (second.Metadata.Annotations[DeploymentController.RevisionAnnotation], second.Spec.Replicas ?? -1));
        Assert.All((await _client.CoreV1.ListNamespacedPodAsync(ns)).Items, p => Assert.Equal("sample:1", p.Spec.Containers[0].Image));
    }

    [Fact]
    public async Task Recreate_replaces_every_pod_of_the_old_template_by_the_new_one()
    {
        var ns = await sandbox.NewNamespaceAsync("deploy-recreate");
        var deployment = Deployment("sample:1", replicas: 2);
        deployment.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };
        await _client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns);
        Assert.True(await SandboxFixture.EventuallyAsync(() => RolledOutAsync(ns, "sample:1")));

        await SetImageAsync(ns, "sample:2");

        Assert.True(await SandboxFixture.EventuallyAsync(() => RolledOutAsync(ns, "sample:2")));
        var pods = (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(["sample:2", "sample:2"], pods.Select(p => p.Spec.Containers[0].Image));
        var events = (await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=ScalingReplicaSet")).Items.Select(e => e.Message).ToList();
        Assert.Contains(events, m => m.StartsWith("Scaled down replica set web-", StringComparison.Ordinal) && m.EndsWith(" to 0 from 2", StringComparison.Ordinal));
        Assert.Contains(events, m => m.EndsWith(" to 2 from 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_paused_deployment_does_not_roll_its_new_template()
    {
        var ns = await sandbox.NewNamespaceAsync("deploy-paused");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("sample:1", replicas: 1), ns);
        Assert.True(await SandboxFixture.EventuallyAsync(() => RolledOutAsync(ns, "sample:1")));

        await _client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"paused":true}}""", V1Patch.PatchType.MergePatch), "web", ns);
        await SetImageAsync(ns, "sample:2");

        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status.Conditions.Any(c => c.Reason == "DeploymentPaused")));
        Assert.Single((await _client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
    }

    [Theory]
    [InlineData("25%", "25%", 10, 3, 2)]
    [InlineData("25%", "25%", 1, 1, 0)]
    [InlineData("0", "0", 4, 0, 1)]
    [InlineData("2", "50%", 5, 2, 2)]
    [InlineData("34%", "34%", 3, 2, 1)]
    public void Max_surge_rounds_up_and_max_unavailable_rounds_down(string surge, string unavailable, int replicas, int expectedSurge, int expectedUnavailable)
    {
        JsonNode Value(string v) => v.EndsWith('%') ? JsonValue.Create(v) : JsonValue.Create(int.Parse(v, System.Globalization.CultureInfo.InvariantCulture));
        var deployment = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["strategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxSurge"] = Value(surge), ["maxUnavailable"] = Value(unavailable) } },
            },
        };

        Assert.Equal((expectedSurge, expectedUnavailable),
            (DeploymentController.MaxSurge(deployment, replicas), DeploymentController.MaxUnavailable(deployment, replicas)));
    }
}
