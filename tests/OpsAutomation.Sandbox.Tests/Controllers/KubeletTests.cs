using System.Net;
using k8s;
using k8s.Models;
using OpsAutomation.Sandbox.Controllers;
using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>A sandbox whose clock runs 60 times real time, for back-offs and progress deadlines.</summary>
public sealed class FastSandboxFixture : SandboxFixture
{
    public const double Speed = 60;

    protected override SandboxOptions Options() => new() { Speed = Speed, PodStartDelay = TimeSpan.FromSeconds(1) };
}

/// <summary>The simulated kubelet and the pods' sample application, seen through KubernetesClient and plain HTTP.</summary>
[Collection(SandboxTests.Collection)]
public sealed class KubeletTests(SandboxFixture sandbox) : IDisposable
{
    private readonly HttpClient _http = new();

    internal static V1Pod Pod(string name, IDictionary<string, string>? env = null, V1Probe? readiness = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = "sample:1",
                    Ports = [new V1ContainerPort { ContainerPort = 8080 }],
                    Env = [.. (env ?? new Dictionary<string, string>()).Select(e => new V1EnvVar { Name = e.Key, Value = e.Value })],
                    ReadinessProbe = readiness,
                },
            ],
        },
    };

    internal static V1Probe ReadyzProbe() => new() { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = 8080 }, PeriodSeconds = 1, FailureThreshold = 1 };

    private static async Task<V1Pod> RunningAsync(IKubernetes client, string ns, string name)
    {
        V1Pod? pod = null;
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
        {
            pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
            return pod.Status?.Phase == "Running" && pod.Metadata.Annotations?.ContainsKey(Kubelet.PortAnnotation) == true;
        }));
        return pod!;
    }

    private static Uri AppUri(V1Pod pod, string path) =>
        new($"http://{pod.Status.PodIP}:{pod.Metadata.Annotations[Kubelet.PortAnnotation]}{path}");

    private static async Task<string> LogAsync(IKubernetes client, string ns, string name, bool previous = false)
    {
        using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(name, ns, previous: previous);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task A_running_pod_serves_its_sample_application_with_the_error_rate_its_env_sets_and_metrics_by_status_code()
    {
        var client = sandbox.Client;
        var ns = await sandbox.NewNamespaceAsync("app");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("web", new Dictionary<string, string> { ["ERROR_RATE"] = "0.5" }), ns);
        var pod = await RunningAsync(client, ns, "web");

        Assert.Equal("127.0.0.1", pod.Status.PodIP);
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await _http.GetAsync(AppUri(pod, "/"));
            codes.Add(response.StatusCode);
        }
        Assert.Equal(2, codes.Count(c => c == HttpStatusCode.InternalServerError));
        Assert.Equal(2, codes.Count(c => c == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(AppUri(pod, "/healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(AppUri(pod, "/readyz"))).StatusCode);
        var metrics = await _http.GetStringAsync(AppUri(pod, "/metrics"));
        Assert.Contains("sample_http_requests_total{path=\"/\",code=\"500\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("sample_http_requests_total{path=\"/\",code=\"200\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("sample_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n", metrics, StringComparison.Ordinal);
        Assert.Contains("sample_http_request_duration_seconds_count 4\n", metrics, StringComparison.Ordinal);
        var log = await LogAsync(client, ns, "web");
        Assert.Contains("sample app listening on 127.0.0.1:", log, StringComparison.Ordinal);
        Assert.Contains(" GET / 500 ", log, StringComparison.Ordinal);

        await client.CoreV1.DeleteNamespacedPodAsync("web", ns);
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
        {
            try
            {
                using var response = await _http.GetAsync(AppUri(pod, "/healthz"));
                return false;
            }
            catch (HttpRequestException)
            {
                return true;
            }
        }));
    }

    [Fact]
    public async Task The_readiness_probe_runs_against_the_application_so_a_failing_readyz_keeps_the_pod_out_of_the_endpoints()
    {
        var client = sandbox.Client;
        var ns = await sandbox.NewNamespaceAsync("probe");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("good", readiness: ReadyzProbe()), ns);
        await client.CoreV1.CreateNamespacedPodAsync(Pod("bad", new Dictionary<string, string> { ["READINESS_FAIL"] = "true" }, ReadyzProbe()), ns);
        var bad = await RunningAsync(client, ns, "bad");
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await client.CoreV1.ReadNamespacedPodAsync("good", ns)).Status.ContainerStatuses?.SingleOrDefault()?.Ready == true));

        bad = await client.CoreV1.ReadNamespacedPodAsync("bad", ns);
        Assert.False(Assert.Single(bad.Status.ContainerStatuses).Ready);
        var ready = bad.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("False", "ContainersNotReady", "containers with unready status: [app]"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync(AppUri(bad, "/readyz"))).StatusCode);
        Assert.Contains(" GET /readyz 503 ", await LogAsync(client, ns, "bad"), StringComparison.Ordinal);
        Corev1EventList unhealthy = null!;
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (unhealthy = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=bad,reason=Unhealthy")).Items.Count > 0));
        var failure = Assert.Single(unhealthy.Items, e => e.Message == "Readiness probe failed: HTTP probe failed with statuscode: 503");
        Assert.Equal("Warning", failure.Type);
        Assert.Empty((await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=good,reason=Unhealthy")).Items);
    }

    [Fact]
    public async Task A_slow_start_answers_503_on_healthz_and_readyz_and_keeps_the_pod_unready_and_latency_shows_in_the_histogram()
    {
        var client = sandbox.Client;
        var ns = await sandbox.NewNamespaceAsync("slow");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("web", new Dictionary<string, string> { ["SLOW_START_SECONDS"] = "600", ["LATENCY_MS"] = "300" }, ReadyzProbe()), ns);
        var pod = await RunningAsync(client, ns, "web");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync(AppUri(pod, "/healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync(AppUri(pod, "/readyz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(AppUri(pod, "/"))).StatusCode);
        var metrics = await _http.GetStringAsync(AppUri(pod, "/metrics"));
        Assert.Contains("sample_http_request_duration_seconds_bucket{le=\"0.25\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("sample_http_request_duration_seconds_bucket{le=\"+Inf\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.False((await client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status.ContainerStatuses.Single().Ready);
    }

    [Fact]
    public async Task A_value_the_sample_application_cannot_read_is_named_in_the_pod_log_and_ignored()
    {
        var client = sandbox.Client;
        var ns = await sandbox.NewNamespaceAsync("badenv");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("web", new Dictionary<string, string> { ["ERROR_RATE"] = "lots" }), ns);
        var pod = await RunningAsync(client, ns, "web");

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(AppUri(pod, "/"))).StatusCode);
        Assert.Contains("sample app: ignoring ERROR_RATE='lots': expected a number from 0 to 1", await LogAsync(client, ns, "web"), StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();
}
