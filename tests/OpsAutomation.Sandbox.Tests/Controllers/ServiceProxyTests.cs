using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using OpsAutomation.Sandbox.Controllers;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>The sandbox's kube-proxy: a Service's local ports forward to its ready pods, round robin.</summary>
[Collection(SandboxTests.Collection)]
public sealed partial class ServiceProxyTests(SandboxFixture sandbox)
{
    private readonly IKubernetes _client = sandbox.Client;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_service_port_answers_from_both_replicas_of_a_deployment()
    {
        var ns = await sandbox.NewNamespaceAsync("proxy");
        await CreateDeploymentAsync(ns, "web", "v1", 2);
        await CreateServiceAsync(ns, "web", "LoadBalancer");
        var port = await LocalPortAsync(ns, "web", 80);
        Assert.True(await ReadyEndpointsAsync(ns, "web", 2));

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("hello from the sandbox", (await _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"))).Trim());
        }

        var served = await RequestsServedAsync(ns);
        Assert.Equal([3, 3], served.Values);
        // The ingress is written after the annotation, at the next reconcile.
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.CoreV1.ReadNamespacedServiceAsync("web", ns)).Status?.LoadBalancer?.Ingress?.SingleOrDefault()?.Ip == "127.0.0.1"));
    }

    [Fact]
    public async Task Two_deployments_behind_one_service_share_its_connections_by_their_replicas()
    {
        var ns = await sandbox.NewNamespaceAsync("proxy");
        await CreateDeploymentAsync(ns, "big", "v1", 3);
        await CreateDeploymentAsync(ns, "small", "v2", 1);
        await CreateServiceAsync(ns, "web", "ClusterIP");
        var port = await LocalPortAsync(ns, "web", 80);
        Assert.True(await ReadyEndpointsAsync(ns, "web", 4));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await _http.GetAsync(new Uri($"http://127.0.0.1:{port}/"))).StatusCode);
        }

        var served = await RequestsServedAsync(ns);
        Assert.Equal(4, served.Count);
        Assert.All(served.Values, count => Assert.True(count > 0));
        var big = served.Where(p => p.Key.StartsWith("big-", StringComparison.Ordinal)).Sum(p => p.Value);
        var small = served.Where(p => p.Key.StartsWith("small-", StringComparison.Ordinal)).Sum(p => p.Value);
        Assert.Equal(20, big + small);
        Assert.True(big > small, $"3 replicas served {big}, 1 replica {small}");
    }

    [Fact]
    public async Task A_service_without_ready_endpoints_refuses_and_its_deletion_frees_the_port()
    {
        var ns = await sandbox.NewNamespaceAsync("proxy");
        await CreateServiceAsync(ns, "web", "NodePort");
        var port = await LocalPortAsync(ns, "web", 80);

        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));

        await _client.CoreV1.DeleteNamespacedServiceAsync("web", ns);
        Assert.True(await SandboxFixture.EventuallyAsync(() => Task.FromResult(IsFree(port))));
    }

    [Fact]
    public async Task Unready_pods_get_no_connections_and_the_rotation_follows_the_endpoints()
    {
        var ns = await sandbox.NewNamespaceAsync("proxy");
        await CreateDeploymentAsync(ns, "good", "v1", 1, readinessFails: false);
        await CreateDeploymentAsync(ns, "bad", "v2", 1, readinessFails: true);
        await CreateServiceAsync(ns, "web", "ClusterIP");
        var port = await LocalPortAsync(ns, "web", 80);
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
        {
            var subset = (await _client.CoreV1.ReadNamespacedEndpointsAsync("web", ns)).Subsets?.SingleOrDefault();
            return subset?.Addresses?.Count == 1 && subset.NotReadyAddresses?.Count == 1;
        }));

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await _http.GetAsync(new Uri($"http://127.0.0.1:{port}/"))).StatusCode);
        }
        var served = await RequestsServedAsync(ns);
        Assert.Equal(4, served.Single(p => p.Key.StartsWith("good-", StringComparison.Ordinal)).Value);
        Assert.Equal(0, served.Single(p => p.Key.StartsWith("bad-", StringComparison.Ordinal)).Value);

        await _client.AppsV1.DeleteNamespacedDeploymentAsync("good", ns, propagationPolicy: "Foreground");
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.CoreV1.ReadNamespacedEndpointsAsync("web", ns)).Subsets?.SingleOrDefault()?.Addresses is null or { Count: 0 }));
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
    }

    [Fact]
    public async Task Stopping_the_sandbox_closes_its_service_ports()
    {
        var own = new SandboxFixture();
        await own.InitializeAsync();
        int port;
        try
        {
            var ns = await own.NewNamespaceAsync("proxy");
            await own.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "web" },
                Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80 }] },
            }, ns);
            string? ports = null;
            Assert.True(await SandboxFixture.EventuallyAsync(async () =>
                (await own.Client.CoreV1.ReadNamespacedServiceAsync("web", ns)).Metadata.Annotations?.TryGetValue(ServiceProxy.PortsAnnotation, out ports) == true));
            port = JsonSerializer.Deserialize<Dictionary<string, int>>(ports!)!["80"];
            Assert.False(IsFree(port));
        }
        finally
        {
            await own.DisposeAsync();
        }

        Assert.True(IsFree(port));
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(System.Net.IPAddress.Loopback, port);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }

    private async Task<int> LocalPortAsync(string ns, string name, int servicePort)
    {
        string? ports = null;
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
        {
            var service = await _client.CoreV1.ReadNamespacedServiceAsync(name, ns);
            return service.Metadata.Annotations?.TryGetValue(ServiceProxy.PortsAnnotation, out ports) == true;
        }));
        return JsonSerializer.Deserialize<Dictionary<string, int>>(ports!)![servicePort.ToString(System.Globalization.CultureInfo.InvariantCulture)];
    }

    private async Task<bool> ReadyEndpointsAsync(string ns, string name, int count) => await SandboxFixture.EventuallyAsync(async () =>
        (await _client.CoreV1.ReadNamespacedEndpointsAsync(name, ns)).Subsets?.SingleOrDefault()?.Addresses?.Count == count);

    /// <summary>Each pod's count of requests to / from its application's /metrics, by pod name.</summary>
    private async Task<Dictionary<string, int>> RequestsServedAsync(string ns)
    {
        var served = new Dictionary<string, int>();
        foreach (var pod in (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items)
        {
            var metrics = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{pod.Metadata.Annotations[Kubelet.PortAnnotation]}/metrics"));
            var match = RootRequests().Match(metrics);
            served[pod.Metadata.Name] = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        return served;
    }

    [GeneratedRegex("""sample_http_requests_total\{path="/",code="200"\} (\d+)""")]
    private static partial Regex RootRequests();

    private Task<V1Service> CreateServiceAsync(string ns, string name, string type) => _client.CoreV1.CreateNamespacedServiceAsync(new V1Service
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            Type = type,
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http" }],
        },
    }, ns);

    private Task<V1Deployment> CreateDeploymentAsync(string ns, string name, string version, int replicas, bool? readinessFails = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = "web", ["version"] = version };
        return _client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers = [new V1Container
                        {
                            Name = "app",
                            Image = "sample:1",
                            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }],
                            Env = readinessFails is true ? [new V1EnvVar { Name = "READINESS_FAIL", Value = "true" }] : null,
                            ReadinessProbe = readinessFails is null ? null : new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = "http" }, PeriodSeconds = 1 },
                        }],
                    },
                },
            },
        }, ns);
    }
}
