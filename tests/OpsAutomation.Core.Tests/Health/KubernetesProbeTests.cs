using System.Text.Json;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Health.Kubernetes;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.TestServers;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>
/// Kubernetes checks through KubernetesClient against the API server stand-in, for what the sandbox
/// cannot make (KubernetesSandboxProbeTests has the rest): a failing readiness check, broken answers,
/// kubeconfig handling, and StatefulSet and DaemonSet status.
/// </summary>
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
    public async Task A_failing_readiness_check_is_named_in_the_reason()
    {
        _api.FailingChecks = ["etcd"];
        var result = await CheckAsync(Api());
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.ServiceState, result.ErrorKind);
        Assert.Contains("etcd", result.Error);
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
    public async Task Each_statefulset_and_daemonset_is_one_result_judged_on_replicas_and_pods()
    {
        // The sandbox serves these kinds without their controllers: their status is set here. Deployments are judged on the sandbox (KubernetesSandboxProbeTests).
        var app = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "shop" };
        Dictionary<string, string> Labels(string name) => new(app) { ["app"] = name };
        _api.AddStatefulSet("prod", "db", Labels("db"), replicas: 1, readyReplicas: 0, availableReplicas: 0);
        _api.AddDaemonSet("prod", "agent", Labels("agent"), desiredNumberScheduled: 2);
        _api.AddPod("prod", "agent-x", Labels("agent"), "DaemonSet", "agent",
            containers: new PodContainer("agent") { RestartCount = 1, LastTerminatedAt = DateTime.UtcNow.AddMinutes(-2) });
        _api.AddDeployment("staging", "web", Labels("web"), replicas: 1, availableReplicas: 0);

        var results = (await _harness.RunAsync([Workloads()], CancellationToken.None)).ToDictionary(r => r.Name);

        Assert.Equal(["shop/daemonset/agent", "shop/statefulset/db"], results.Keys.Order());
        Assert.Equal(HealthStatus.Unhealthy, results["shop/statefulset/db"].Status);
        Assert.Contains("no replica available", results["shop/statefulset/db"].Error);
        Assert.Equal(HealthStatus.Degraded, results["shop/daemonset/agent"].Status);
        Assert.Contains("restarted", results["shop/daemonset/agent"].Error);
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

    private HealthCheckDefinition Api() => new() { Name = "k8s-api", Kind = HealthCheckKind.Kubernetes, Target = "", Kubeconfig = _kubeconfig };

    private HealthCheckDefinition Workloads() => new()
    {
        Name = "shop", Kind = HealthCheckKind.KubernetesWorkload, Target = "", Kubeconfig = _kubeconfig, Namespace = "prod",
        LabelSelector = "app.kubernetes.io/part-of=shop",
    };

    private async Task<HealthCheckResult> CheckAsync(HealthCheckDefinition definition) => Assert.Single(await _harness.RunAsync(definition));
}
