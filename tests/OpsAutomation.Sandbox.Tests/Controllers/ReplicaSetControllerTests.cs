using k8s;
using k8s.Models;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>The ReplicaSet controller and the simulated kubelet, seen through KubernetesClient.</summary>
[Collection(SandboxTests.Collection)]
public sealed class ReplicaSetControllerTests(SandboxFixture sandbox)
{
    private readonly IKubernetes _client = sandbox.Client;

    private static V1ReplicaSet ReplicaSet(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "sample:1" }] },
            },
        },
    };

    [Fact]
    public async Task A_replica_set_gets_its_pods_running_and_ready_and_reports_them()
    {
        var ns = await sandbox.NewNamespaceAsync("rs");
        var rs = await _client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);

        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns)).Status?.ReadyReplicas == 3));

        var status = (await _client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns)).Status;
        var pods = (await _client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items;
        // The store's typed reads see what the API serves.
        Assert.Equal(pods.Select(p => p.Metadata.Name).Order(), sandbox.Server.Store.List<V1Pod>(ns).Select(p => p.Metadata.Name).Order());
        Assert.Equal(3, sandbox.Server.Store.Get<V1ReplicaSet>(ns, "web")!.Status.ReadyReplicas);
        Assert.Equal((3, 3, 3, 1L), (status.Replicas, status.FullyLabeledReplicas ?? 0, status.AvailableReplicas ?? 0, status.ObservedGeneration ?? 0));
        Assert.Equal(3, pods.Count);
        Assert.All(pods, pod =>
        {
            Assert.StartsWith("web-", pod.Metadata.Name, StringComparison.Ordinal);
            Assert.Equal(rs.Metadata.Uid, Assert.Single(pod.Metadata.OwnerReferences).Uid);
            Assert.Equal(("Running", "sandbox-node"), (pod.Status.Phase, pod.Spec.NodeName));
            Assert.True(Assert.Single(pod.Status.ContainerStatuses).Ready);
        });
        var created = await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=ReplicaSet,reason=SuccessfulCreate");
        Assert.Equal(pods.Select(p => $"Created pod: {p.Metadata.Name}").Order(), created.Items.Select(e => e.Message).Order());
        var podEvents = await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={pods[0].Metadata.Name}");
        Assert.Equal(["Created", "Pulled", "Scheduled", "Started"], podEvents.Items.Select(e => e.Reason).Order());
        Assert.Contains(podEvents.Items, e => e.Message == $"Successfully assigned {ns}/{pods[0].Metadata.Name} to sandbox-node" && e.Source.Component == "default-scheduler");
    }

    [Fact]
    public async Task Scaling_down_removes_pods_and_deleting_the_replica_set_removes_the_rest()
    {
        var ns = await sandbox.NewNamespaceAsync("rs-scale");
        await _client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);
        Assert.True(await SandboxFixture.EventuallyAsync(async () => (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 3));

        await _client.AppsV1.PatchNamespacedReplicaSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.True(await SandboxFixture.EventuallyAsync(async () => (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 1));

        await _client.AppsV1.DeleteNamespacedReplicaSetAsync("web", ns);
        Assert.Empty((await _client.CoreV1.ListNamespacedPodAsync(ns)).Items);
    }

    [Fact]
    public async Task A_replica_set_adopts_a_matching_orphan_instead_of_making_a_pod()
    {
        var ns = await sandbox.NewNamespaceAsync("rs-adopt");
        await _client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "orphan", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "sample:1" }] },
        }, ns);

        var rs = await _client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 1), ns);

        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.CoreV1.ReadNamespacedPodAsync("orphan", ns)).Metadata.OwnerReferences?.SingleOrDefault()?.Uid == rs.Metadata.Uid));
        Assert.Equal(["orphan"], (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Name));
    }
}
