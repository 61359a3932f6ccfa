using System.Text.Json;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>
/// Kubernetes checks against the sandbox, where it makes the state itself: its real /livez and
/// /readyz, its 401, and Deployments its controllers and kubelet bring to full, partial and
/// crash-looping availability. What it cannot make (a failing etcd check, broken answers,
/// StatefulSet and DaemonSet status) stays on the stand-in in <see cref="KubernetesProbeTests"/>.
/// </summary>
[Collection(SandboxClusterTests.Collection)]
public sealed class KubernetesSandboxProbeTests(SandboxCluster cluster) : IDisposable
{
    private readonly HealthHarness _harness = new();
    private readonly TempDirectory _files = new();

    private IKubernetes Admin => cluster.Admin;

    [Fact]
    public async Task A_live_and_ready_api_server_is_healthy()
    {
        var result = await CheckAsync(Api());

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task Refused_credentials_are_an_authentication_failure()
    {
        var wrong = Path.Combine(_files.Path, "wrong");
        File.WriteAllText(wrong, File.ReadAllText(cluster.Server.KubeconfigPath).Replace(cluster.Server.Users.Admin.Token, "not-the-token", StringComparison.Ordinal));

        var refused = await CheckAsync(Api() with { Kubeconfig = wrong });

        Assert.Equal(HealthErrorKind.Authentication, refused.ErrorKind);
        Assert.Contains("401", refused.Error);
    }

    [Fact]
    public async Task Each_deployment_is_one_result_judged_on_its_replicas_and_pods()
    {
        var ns = await cluster.NewNamespaceAsync("health");
        var other = await cluster.NewNamespaceAsync("health-other");
        await CreateAsync(ns, "web", replicas: 3);
        await CreateAsync(ns, "api", replicas: 3, readiness: true);
        await CreateAsync(ns, "checkout", replicas: 2, env: new() { ["CRASH_AFTER_SECONDS"] = "1" });
        await CreateAsync(ns, "other-team", replicas: 1, env: new() { ["CRASH_AFTER_SECONDS"] = "1" }, partOf: "other");
        await CreateAsync(other, "web", replicas: 1, env: new() { ["CRASH_AFTER_SECONDS"] = "1" });
        Assert.True(await SandboxCluster.EventuallyAsync(async () => (await Admin.AppsV1.ReadNamespacedDeploymentAsync("api", ns)).Status?.AvailableReplicas == 3));
        // A rollout of a version that never gets ready, one replica at a time: 2 of 3 stay available.
        var api = await Admin.AppsV1.ReadNamespacedDeploymentAsync("api", ns);
        api.Spec.Template.Spec.Containers[0].Env = [new V1EnvVar { Name = "READINESS_FAIL", Value = "true" }];
        await Admin.AppsV1.ReplaceNamespacedDeploymentAsync(api, "api", ns);
        Assert.True(await SandboxCluster.EventuallyAsync(async () =>
            (await Admin.AppsV1.ReadNamespacedDeploymentAsync("api", ns)).Status is { AvailableReplicas: 2, UpdatedReplicas: 1, Replicas: 3 } status
            && status.ObservedGeneration == api.Metadata.Generation + 1));
        Assert.True(await SandboxCluster.EventuallyAsync(async () =>
            (await Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status?.AvailableReplicas == 3));

        // The crash loop alternates a second of running with its back-off: look until a run sees it waiting.
        Dictionary<string, HealthCheckResult> results = [];
        Assert.True(await SandboxCluster.EventuallyAsync(async () =>
        {
            results = (await _harness.RunAsync([Workloads(ns)], CancellationToken.None)).ToDictionary(r => r.Name);
            return results.GetValueOrDefault("shop/deployment/checkout")?.Error?.Contains("CrashLoopBackOff", StringComparison.Ordinal) == true;
        }));

        Assert.Equal(["shop/deployment/api", "shop/deployment/checkout", "shop/deployment/web"], results.Keys.Order());
        Assert.Equal(HealthStatus.Healthy, results["shop/deployment/web"].Status);
        Assert.Equal(HealthStatus.Degraded, results["shop/deployment/api"].Status);
        Assert.Contains("2 of 3 available", results["shop/deployment/api"].Error);
        Assert.Equal(HealthStatus.Unhealthy, results["shop/deployment/checkout"].Status);
        Assert.Contains("CrashLoopBackOff", results["shop/deployment/checkout"].Error);
        Assert.All(results.Values, r => Assert.Equal(HealthCheckKind.KubernetesWorkload, r.Kind));
        var shown = JsonSerializer.Serialize(results.Values) + string.Join("\n", _harness.LogLines);
        Assert.DoesNotContain(cluster.Server.Users.Admin.Token, shown);
    }

    [Fact]
    public async Task A_selector_that_matches_nothing_is_unhealthy()
    {
        var ns = await cluster.NewNamespaceAsync("health-empty");

        var result = await CheckAsync(Workloads(ns) with { LabelSelector = "app=nothing-here" });

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("app=nothing-here", result.Error);
    }

    private Task<V1Deployment> CreateAsync(string ns, string name, int replicas, Dictionary<string, string>? env = null, bool readiness = false, string partOf = "shop")
    {
        var labels = new Dictionary<string, string> { ["app"] = name, ["app.kubernetes.io/part-of"] = partOf };
        return Admin.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 0, MaxUnavailable = 1 } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "app",
                                Image = "sample:1",
                                Env = [.. (env ?? []).Select(e => new V1EnvVar { Name = e.Key, Value = e.Value })],
                                ReadinessProbe = readiness ? new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = 8080 }, PeriodSeconds = 1, FailureThreshold = 1 } : null,
                            },
                        ],
                    },
                },
            },
        }, ns);
    }

    private HealthCheckDefinition Api() => new() { Name = "k8s-api", Kind = HealthCheckKind.Kubernetes, Target = "", Kubeconfig = cluster.Server.KubeconfigPath };

    private HealthCheckDefinition Workloads(string ns) => new()
    {
        Name = "shop", Kind = HealthCheckKind.KubernetesWorkload, Target = "", Kubeconfig = cluster.Server.KubeconfigPath, Namespace = ns,
        LabelSelector = "app.kubernetes.io/part-of=shop",
    };

    private async Task<HealthCheckResult> CheckAsync(HealthCheckDefinition definition) => Assert.Single(await _harness.RunAsync(definition));

    public void Dispose()
    {
        _harness.Dispose();
        _files.Dispose();
    }
}
