using System.Text.Json;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Health.Kubernetes;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.TestServers;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>Kubernetes checks through KubernetesClient against the API server stand-in: /livez and /readyz, and one result per workload.</summary>
public sealed class KubernetesProbeTests : IAsyncLifetime, IDisposable
{
    private const string Token = "k8s-t0ken-0123456789abcdef";
    private readonly HealthHarness _harness = new();
    private readonly TempDirectory _files = new();
    private KubernetesApiStandIn _api = null!;
    private string _kubeconfig = "";

    public async Task InitializeAsync()
    {
        _api = await KubernetesApiStandIn.StartAsync();
        _api.RequiredBearerToken = Token;
        _kubeconfig = _api.WriteKubeconfig(Path.Combine(_files.Path, "config"), Token);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose()
    {
        _harness.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task A_live_and_ready_api_server_is_healthy()
    {
        var result = await CheckAsync(Api());
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains(_api.Paths, p => p.StartsWith("/livez", StringComparison.Ordinal));
        Assert.Contains(_api.Paths, p => p.StartsWith("/readyz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_readiness_check_is_named_in_the_reason()
    {
        _api.FailingChecks = ["etcd"];
        var result = await CheckAsync(Api());
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.ServiceState, result.ErrorKind);
        Assert.Contains("etcd", result.Error);
    }

    [Fact]
    public async Task Refused_credentials_are_an_authentication_failure()
    {
        var wrong = _api.WriteKubeconfig(Path.Combine(_files.Path, "wrong"), "not-the-token");
        var refused = await CheckAsync(Workloads() with { Kubeconfig = wrong });
        Assert.Equal(HealthErrorKind.Authentication, refused.ErrorKind);
        Assert.Contains("401", refused.Error);
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_a_configuration_failure_naming_the_file_and_fixing_it_works_at_once()
    {
        var path = Path.Combine(_files.Path, "absent");
        var missing = await CheckAsync(Api() with { Kubeconfig = path });
        Assert.Equal(HealthStatus.Unhealthy, missing.Status);
        Assert.Equal(HealthErrorKind.Configuration, missing.ErrorKind);
        Assert.Contains($"kubeconfig {path}", missing.Error);
        Assert.Contains("does not exist", missing.Error);

        // The same runtime, as the same PowerShell session: the fixed file is used, nothing stale is kept.
        _api.WriteKubeconfig(path, Token);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(Api() with { Kubeconfig = path })).Status);
    }

    [Fact]
    public async Task A_kubeconfig_that_changes_is_read_again()
    {
        var path = _api.WriteKubeconfig(Path.Combine(_files.Path, "rotated"), "not-the-token");
        Assert.Equal(HealthErrorKind.Authentication, (await CheckAsync(Api() with { Kubeconfig = path })).ErrorKind);
        _api.WriteKubeconfig(path, Token);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(Api() with { Kubeconfig = path })).Status);
    }

    [Fact]
    public async Task No_kubeconfig_at_all_says_what_was_looked_for_instead_of_trying_localhost()
    {
        var defaultPath = Path.Combine(_files.Path, "home", ".kube", "config");
        using var clients = new KubernetesClients(environment: _ => null, defaultKubeconfig: defaultPath);
        var probe = new KubernetesApiProbe(clients);
        var definition = Api() with { Kubeconfig = null };
        var outcome = await probe.ProbeAsync(new PreparedCheck(definition, []) { DisplayTarget = "" }, CancellationToken.None);
        Assert.Equal(HealthErrorKind.Configuration, outcome.ErrorKind);
        Assert.StartsWith("No Kubernetes configuration", outcome.Error);
        Assert.Contains("KUBECONFIG is not set", outcome.Error);
        Assert.Contains(defaultPath, outcome.Error);
        Assert.DoesNotContain("localhost", outcome.Error);

        // KUBECONFIG naming a file that is not there names the variable and the file.
        using var fromVariable = new KubernetesClients(environment: n => n == "KUBECONFIG" ? defaultPath : null, defaultKubeconfig: defaultPath);
        var named = await new KubernetesApiProbe(fromVariable).ProbeAsync(new PreparedCheck(definition, []) { DisplayTarget = "" }, CancellationToken.None);
        Assert.Equal(HealthErrorKind.Configuration, named.ErrorKind);
        Assert.Contains("from KUBECONFIG", named.Error);
        Assert.Contains("does not exist", named.Error);
    }

    [Fact]
    public async Task Each_workload_is_one_result_judged_on_replicas_and_pods()
    {
        var app = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "shop" };
        Dictionary<string, string> Labels(string name) => new(app) { ["app"] = name };
        _api.AddDeployment("prod", "web", Labels("web"), replicas: 3);
        _api.AddPod("prod", "web-1", Labels("web"), "ReplicaSet", "web-7d4b9");
        _api.AddDeployment("prod", "api", Labels("api"), replicas: 3, readyReplicas: 2, availableReplicas: 2);
        _api.AddDeployment("prod", "checkout", Labels("checkout"), replicas: 2, readyReplicas: 1, availableReplicas: 1);
        _api.AddPod("prod", "checkout-1", Labels("checkout"), "ReplicaSet", "checkout-5f6",
            containers: new PodContainer("app") { Ready = false, RestartCount = 7, WaitingReason = "CrashLoopBackOff" });
        _api.AddStatefulSet("prod", "db", Labels("db"), replicas: 1, readyReplicas: 0, availableReplicas: 0);
        _api.AddDaemonSet("prod", "agent", Labels("agent"), desiredNumberScheduled: 2);
        _api.AddPod("prod", "agent-x", Labels("agent"), "DaemonSet", "agent",
            containers: new PodContainer("agent") { RestartCount = 1, LastTerminatedAt = DateTime.UtcNow.AddMinutes(-2) });
        _api.AddDeployment("prod", "other-team", new Dictionary<string, string> { ["app"] = "other" }, replicas: 1, availableReplicas: 0);
        _api.AddDeployment("staging", "web", Labels("web"), replicas: 1, availableReplicas: 0);

        var results = (await _harness.RunAsync([Workloads()], CancellationToken.None)).ToDictionary(r => r.Name);

        Assert.Equal(["shop/daemonset/agent", "shop/deployment/api", "shop/deployment/checkout", "shop/deployment/web", "shop/statefulset/db"], results.Keys.Order());
        Assert.Equal(HealthStatus.Healthy, results["shop/deployment/web"].Status);
        Assert.Equal(HealthStatus.Degraded, results["shop/deployment/api"].Status);
        Assert.Contains("2 of 3 available", results["shop/deployment/api"].Error);
        Assert.Equal(HealthStatus.Unhealthy, results["shop/deployment/checkout"].Status);
        Assert.Contains("CrashLoopBackOff", results["shop/deployment/checkout"].Error);
        Assert.Equal(HealthStatus.Unhealthy, results["shop/statefulset/db"].Status);
        Assert.Contains("no replica available", results["shop/statefulset/db"].Error);
        Assert.Equal(HealthStatus.Degraded, results["shop/daemonset/agent"].Status);
        Assert.Contains("restarted", results["shop/daemonset/agent"].Error);
        Assert.All(results.Values, r => Assert.Equal(HealthCheckKind.KubernetesWorkload, r.Kind));

        var shown = JsonSerializer.Serialize(results.Values) + string.Join("\n", _harness.LogLines);
        Assert.DoesNotContain(Token, shown);
    }

    [Theory]
    [InlineData(StandInFault.ServerError, HealthStatus.Unhealthy, HealthErrorKind.HttpStatus)]
    [InlineData(StandInFault.Slow, HealthStatus.Unreachable, HealthErrorKind.Timeout)]
    [InlineData(StandInFault.TruncatedJson, HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse)]
    [InlineData(StandInFault.UnexpectedShape, HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse)]
    [InlineData(StandInFault.Unauthorized, HealthStatus.Unhealthy, HealthErrorKind.Authentication)]
    [InlineData(StandInFault.Forbidden, HealthStatus.Unhealthy, HealthErrorKind.Authentication)]
    public async Task Each_broken_api_answer_gives_the_right_status_and_a_reason(StandInFault fault, HealthStatus expected, HealthErrorKind kind)
    {
        _api.AddDeployment("prod", "web", new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "shop" });
        _api.Fault = fault;
        _api.SlowDelay = TimeSpan.FromSeconds(10);
        var timeout = TimeSpan.FromSeconds(fault == StandInFault.Slow ? 0.5 : 5);
        foreach (var definition in new[] { Api() with { Timeout = timeout }, Workloads() with { Timeout = timeout, Name = "workloads" } })
        {
            var result = await CheckAsync(definition);
            Assert.True(result.Status == expected && result.ErrorKind == kind, $"{definition.Kind}: {result.Status}/{result.ErrorKind}: {result.Error}");
            Assert.False(string.IsNullOrWhiteSpace(result.Error));
        }
    }

    [Fact]
    public async Task A_selector_that_matches_nothing_is_unhealthy()
    {
        var result = await CheckAsync(Workloads() with { LabelSelector = "app=nothing-here" });
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("app=nothing-here", result.Error);
    }

    private HealthCheckDefinition Api() => new() { Name = "k8s-api", Kind = HealthCheckKind.Kubernetes, Target = "", Kubeconfig = _kubeconfig };

    private HealthCheckDefinition Workloads() => new()
    {
        Name = "shop", Kind = HealthCheckKind.KubernetesWorkload, Target = "", Kubeconfig = _kubeconfig, Namespace = "prod",
        LabelSelector = "app.kubernetes.io/part-of=shop",
    };

    private async Task<HealthCheckResult> CheckAsync(HealthCheckDefinition definition) => Assert.Single(await _harness.RunAsync(definition));
}
