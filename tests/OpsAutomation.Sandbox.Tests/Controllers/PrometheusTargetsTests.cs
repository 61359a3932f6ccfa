using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using OpsAutomation.Sandbox.Controllers;
using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>The sandbox's Prometheus file_sd target file, read as a file and scraped by the real Prometheus.</summary>
public sealed class PrometheusTargetsTests : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<(SandboxServer Server, IKubernetes Client)> StartAsync(string sdFile, string ns = "metrics")
    {
        var server = await SandboxServer.StartAsync(new SandboxOptions { PrometheusSdFile = sdFile, PodStartDelay = TimeSpan.FromMilliseconds(100) });
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath, currentContext: Kubeconfig.Context));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return (server, client);
    }

    private static JsonArray Targets(string path) => File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsArray() : [];

    [Fact]
    public async Task The_target_file_lists_each_running_pod_with_its_port_and_labels_and_goes_with_the_sandbox()
    {
        var folder = Directory.CreateTempSubdirectory("sandbox-sd-");
        var path = Path.Combine(folder.FullName, "sandbox.json");
        try
        {
            var (server, client) = await StartAsync(path);
            await using (server)
            using (client)
            {
                var web = KubeletTests.Pod("web");
                web.Metadata.Labels["app.kubernetes.io/version"] = "1.2";
                await client.CoreV1.CreateNamespacedPodAsync(web, "metrics");
                await client.CoreV1.CreateNamespacedPodAsync(KubeletTests.Pod("api", new Dictionary<string, string> { ["READINESS_FAIL"] = "true" }, KubeletTests.ReadyzProbe()), "metrics");

                Assert.True(await SandboxFixture.EventuallyAsync(() => Task.FromResult(Targets(path).Count == 2)));
                var pod = await client.CoreV1.ReadNamespacedPodAsync("web", "metrics");
                var target = Targets(path).Single(t => t!["labels"]!["pod"]!.GetValue<string>() == "web")!;
                Assert.Equal($"127.0.0.1:{pod.Metadata.Annotations[Kubelet.PortAnnotation]}", target["targets"]![0]!.GetValue<string>());
                Assert.Equal(
                    """{"app":"web","app_kubernetes_io_version":"1.2","namespace":"metrics","pod":"web","container":"app"}""",
                    target["labels"]!.ToJsonString());
                Assert.Empty(Directory.GetFiles(folder.FullName, ".*"));

                await client.CoreV1.DeleteNamespacedPodAsync("web", "metrics");
                Assert.True(await SandboxFixture.EventuallyAsync(() => Task.FromResult(Targets(path).Count == 1)));
                Assert.Equal("api", Targets(path).Single()!["labels"]!["pod"]!.GetValue<string>());
            }
            Assert.False(File.Exists(path));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("app", "app")]
    [InlineData("app.kubernetes.io/name", "app_kubernetes_io_name")]
    [InlineData("__x", "label___x")]
    [InlineData("9lives", "label_9lives")]
    public void Pod_label_names_become_prometheus_label_names(string name, string expected) =>
        Assert.Equal(expected, PrometheusTargets.LabelName(name));

    [Fact]
    public async Task The_real_prometheus_scrapes_the_pods_listed_in_the_target_file()
    {
        var prometheus = Environment.GetEnvironmentVariable("OPS_TEST_PROMETHEUS_URL");
        var sdDir = Environment.GetEnvironmentVariable("OPS_TEST_PROMETHEUS_SD_DIR");
        Assert.False(string.IsNullOrEmpty(prometheus) || string.IsNullOrEmpty(sdDir),
            "This test needs the real Prometheus: run it through ./build.ps1 Test, which starts it and sets OPS_TEST_PROMETHEUS_URL and OPS_TEST_PROMETHEUS_SD_DIR.");
        // A namespace of its own, so series of another run in the same Prometheus are not counted.
        var ns = $"metrics-{Guid.NewGuid():N}"[..20];
        var (server, client) = await StartAsync(Path.Combine(sdDir!, $"sandbox-{ns}.json"), ns);
        await using (server)
        using (client)
        {
            foreach (var name in new[] { "web-1", "web-2" })
            {
                var pod = KubeletTests.Pod(name);
                pod.Metadata.Labels["app"] = "web";
                await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
            }
            foreach (var name in new[] { "web-1", "web-2" })
            {
                V1Pod pod = null!;
                Assert.True(await SandboxFixture.EventuallyAsync(async () =>
                    (pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns)).Metadata.Annotations?.ContainsKey(Kubelet.PortAnnotation) == true));
                using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{pod.Metadata.Annotations[Kubelet.PortAnnotation]}/"));
                Assert.True(response.IsSuccessStatusCode);
            }

            // Prometheus reads the file within a second and scrapes each target every second: bounded at 30 s.
            var query = Uri.EscapeDataString($"sample_http_requests_total{{namespace=\"{ns}\",app=\"web\",path=\"/\",code=\"200\",instance=~\"127.0.0.1:.*\"}}");
            var uri = new Uri($"{prometheus!.TrimEnd('/')}/api/v1/query?query={query}");
            List<JsonNode> series = [];
            for (var attempt = 0; attempt < 60 && series.Count < 2; attempt++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                var answer = JsonNode.Parse(await _http.GetStringAsync(uri))!;
                series = [.. answer["data"]!["result"]!.AsArray().OfType<JsonNode>()];
            }

            Assert.Equal(["web-1", "web-2"], series.Select(s => s["metric"]!["pod"]!.GetValue<string>()).Order());
            Assert.All(series, s => Assert.Equal(("1", "app", "file-sd"),
                (s["value"]![1]!.GetValue<string>(), s["metric"]!["container"]!.GetValue<string>(), s["metric"]!["job"]!.GetValue<string>())));
        }
    }

    public void Dispose() => _http.Dispose();
}
