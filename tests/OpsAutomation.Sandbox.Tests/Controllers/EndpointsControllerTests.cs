using k8s;
using k8s.Models;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>The Endpoints controller: a Service's ready pods as its endpoints.</summary>
[Collection(SandboxTests.Collection)]
public sealed class EndpointsControllerTests(SandboxFixture sandbox)
{
    private readonly IKubernetes _client = sandbox.Client;

    [Fact]
    public async Task A_service_gets_its_ready_pods_as_endpoints_with_the_named_target_port_and_loses_them_with_it()
    {
        var ns = await sandbox.NewNamespaceAsync("endpoints");
        await _client.AppsV1.CreateNamespacedReplicaSetAsync(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec
                    {
                        Containers = [new V1Container { Name = "app", Image = "sample:1", Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }] }],
                    },
                },
            },
        }, ns);
        await _client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "web" },
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http" }],
            },
        }, ns);

        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
        {
            var endpoints = await _client.CoreV1.ListNamespacedEndpointsAsync(ns);
            return endpoints.Items.SingleOrDefault()?.Subsets?.SingleOrDefault()?.Addresses?.Count == 2;
        }));
        var subset = (await _client.CoreV1.ReadNamespacedEndpointsAsync("web", ns)).Subsets.Single();
        var pods = (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(pods.Select(p => p.Status.PodIP).Order(), subset.Addresses.Select(a => a.Ip).Order());
        Assert.Equal(("http", 8080, "TCP"), (subset.Ports.Single().Name, subset.Ports.Single().Port, subset.Ports.Single().Protocol));

        await _client.CoreV1.DeleteNamespacedServiceAsync("web", ns);
        Assert.True(await SandboxFixture.EventuallyAsync(async () => (await _client.CoreV1.ListNamespacedEndpointsAsync(ns)).Items.Count == 0));
    }
}
