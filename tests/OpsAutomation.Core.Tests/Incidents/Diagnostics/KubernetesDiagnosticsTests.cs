using System.Text.Json;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.Incidents.Diagnostics;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.Deployment.Rollout;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents.Diagnostics;

/// <summary>
/// Diagnostics of Deployments on the Kubernetes sandbox (its clock 30 times real time, so crash
/// back-offs pass in seconds), read through the module's own client: a crash-looping version's
/// previous logs and restarts, a healthy one's env secret masked in its status and its logs.
/// </summary>
[Collection(RolloutSandboxTests.Collection)]
public sealed class KubernetesDiagnosticsTests(RolloutSandbox sandbox) : IDisposable
{
    private const string Secret = "s3cr3t-database-passw0rd";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _dir = new();
    private readonly OpsRuntime _runtime = new();

    public void Dispose()
    {
        _runtime.Dispose();
        _dir.Dispose();
    }

    private async Task<IncidentDiagnostics> CollectAsync(string ns, StateStore? store = null, bool zip = false)
    {
        var runner = new IncidentDiagnosticsRunner(_runtime, store, new SecretRedactor());
        return await runner.RunAsync(new DiagnosticsRequest
        {
            Service = "web",
            IncidentId = "INC-20261207-0042",
            Kubernetes = sandbox.Target with { Timeout = TimeSpan.FromSeconds(20) },
            Workload = new DiagnosticsWorkload("web", ns, null),
            SystemMetrics = false,
            OutputDirectory = _dir.Path,
            Zip = zip,
        }, CancellationToken.None).WaitAsync(Guard);
    }

    [Fact]
    public async Task A_crash_looping_deployment_is_diagnosed_with_its_previous_instances_log_lines_restarts_and_exit_code()
    {
        var ns = await sandbox.NewNamespaceAsync("diag-crash");
        await sandbox.Client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1", replicas: 1,
            env: new Dictionary<string, string> { ["CRASH_AFTER_SECONDS"] = "0", ["EXIT_CODE"] = "3" }), ns);
        Assert.True(await EventuallyAsync(async () => (await Pods(ns)).Any(p => p.Status?.ContainerStatuses?.Any(c => c.RestartCount >= 1 && c.LastState?.Terminated is not null) == true)),
            "the sandbox's pod never restarted");

        var bundle = await CollectAsync(ns);

        var files = DiagnosticsCollectorTests.ReadBundle(bundle.Path, zip: false);
        var status = bundle.Sources.ToDictionary(s => s.Name, s => s.Status);
        Assert.Equal(DiagnosticSourceStatus.Succeeded, status["pod-status"]);
        Assert.Equal(DiagnosticSourceStatus.Succeeded, status["pod-logs"]);
        Assert.Equal(DiagnosticSourceStatus.Succeeded, status["events"]);
        Assert.Equal(DiagnosticSourceStatus.Succeeded, status["rollout-history"]);

        // The previous instance's log: the line the crashed run wrote before it exited.
        var logs = files["pod-logs.txt"];
        Assert.Contains("(previous instance, before the last restart)", logs, StringComparison.Ordinal);
        Assert.Contains("crashing as told (CRASH_AFTER_SECONDS): exit code 3", logs, StringComparison.Ordinal);
        Assert.Contains("it ended: Error, exit code 3", logs, StringComparison.Ordinal);

        // The restart count, as the pod's status had it when read.
        using var podStatus = JsonDocument.Parse(files["pod-status.json"]);
        var container = podStatus.RootElement.GetProperty("pods")[0].GetProperty("containers")[0];
        var restarts = container.GetProperty("restartCount").GetInt32();
        Assert.True(restarts >= 1);
        Assert.Equal(3, container.GetProperty("lastState").GetProperty("terminated").GetProperty("exitCode").GetInt32());

        var summary = files["summary.md"];
        Assert.Contains("## Restarts", summary, StringComparison.Ordinal);
        Assert.Contains($"container app: {restarts} restart", summary, StringComparison.Ordinal);
        Assert.Contains("## Last log lines", summary, StringComparison.Ordinal);
        Assert.Contains("crashing as told (CRASH_AFTER_SECONDS): exit code 3", summary, StringComparison.Ordinal);
        Assert.Contains("exit code 3", summary, StringComparison.Ordinal);
        Assert.Contains("Created pod", files["events.txt"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_in_an_env_var_is_masked_in_the_pod_status_and_wherever_a_log_line_prints_it()
    {
        var ns = await sandbox.NewNamespaceAsync("diag-secret");
        await sandbox.Client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1", replicas: 1,
            env: new Dictionary<string, string> { ["DB_PASSWORD"] = Secret, ["LOG_LEVEL"] = "debug" }), ns);
        Assert.True(await EventuallyAsync(async () => (await Pods(ns)).Any(p => p.Status?.ContainerStatuses?.Any(c => c.Ready) == true)), "the pod never got ready");
        var pod = (await Pods(ns)).Single();
        sandbox.Server.Logs.Append(ns, pod.Metadata.Name, "app", $"connecting to postgres://app@db:5432 with {Secret}");
        sandbox.Server.Logs.Append(ns, pod.Metadata.Name, "app", "calling https://api.example/v1?token=abcdef123456 Authorization: Bearer xyz0123456789");

        var bundle = await CollectAsync(ns, zip: true);

        var files = DiagnosticsCollectorTests.ReadBundle(bundle.Path, zip: true);
        Assert.All(files, f => Assert.DoesNotContain(Secret, f.Value, StringComparison.Ordinal));
        Assert.All(files, f => Assert.DoesNotContain("abcdef123456", f.Value, StringComparison.Ordinal));
        Assert.All(files, f => Assert.DoesNotContain("xyz0123456789", f.Value, StringComparison.Ordinal));
        Assert.Contains("connecting to postgres://app@db:5432 with [REDACTED]", files["pod-logs.txt"], StringComparison.Ordinal);
        using var podStatus = JsonDocument.Parse(files["pod-status.json"]);
        var env = podStatus.RootElement.GetProperty("pods")[0].GetProperty("containers")[0].GetProperty("env");
        Assert.Equal((SecretRedactor.Mask, "debug"), (env.GetProperty("DB_PASSWORD").GetString(), env.GetProperty("LOG_LEVEL").GetString()));
    }

    [Fact]
    public async Task The_modules_deployment_records_and_the_rollout_history_name_the_recent_deployments()
    {
        var ns = await sandbox.NewNamespaceAsync("diag-records");
        await sandbox.Client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1", replicas: 1), ns);
        var store = await StateStore.OpenAsync(Path.Combine(_dir.Path, "state"), CancellationToken.None);
        var records = new DeploymentRecordStore(store);
        var started = DateTimeOffset.UtcNow.AddMinutes(-5);
        await records.StartAsync(new DeploymentRecord
        {
            Id = "run-1", Name = "web", Namespace = ns, Strategy = "Rolling", Image = "sample:1", User = "ci@builder", StartedAt = started,
            Host = "", ProcessId = 0, Timestamp = started,
        }, CancellationToken.None);
        await records.FinishAsync("run-1", DeploymentOutcome.Succeeded, null, 1, CancellationToken.None);
        Assert.True(await EventuallyAsync(async () => (await sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Metadata.Annotations?.ContainsKey("deployment.kubernetes.io/revision") == true));

        var bundle = await CollectAsync(ns, store);

        var files = DiagnosticsCollectorTests.ReadBundle(bundle.Path, zip: false);
        Assert.Equal(DiagnosticSourceStatus.Succeeded, bundle.Sources.Single(s => s.Name == "deployment-records").Status);
        Assert.Equal(DiagnosticSourceStatus.Skipped, bundle.Sources.Single(s => s.Name == "health-history").Status);
        Assert.Contains("## Recent deployments", files["summary.md"], StringComparison.Ordinal);
        Assert.Contains($"Rolling of {ns}/web image sample:1 by ci@builder: Succeeded", files["summary.md"], StringComparison.Ordinal);
        Assert.Contains("revision 1 (current)", files["summary.md"], StringComparison.Ordinal);
        using var history = JsonDocument.Parse(files["rollout-history.json"]);
        Assert.Equal("run-1", history.RootElement[0].GetProperty("Record").GetProperty("Id").GetString());
    }

    [Fact]
    public async Task A_missing_deployment_fails_its_sources_with_the_servers_reason_and_the_bundle_is_still_written()
    {
        var ns = await sandbox.NewNamespaceAsync("diag-missing");

        var bundle = await CollectAsync(ns);

        var podStatus = bundle.Sources.Single(s => s.Name == "pod-status");
        Assert.Equal(DiagnosticSourceStatus.Failed, podStatus.Status);
        Assert.Contains($"read deployment {ns}/web", podStatus.Error, StringComparison.Ordinal);
        Assert.Contains("404", podStatus.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(bundle.Path, DiagnosticsBundle.ManifestFile)));
    }

    [Fact]
    public async Task A_kubeconfig_that_does_not_exist_fails_the_cluster_sources_naming_it()
    {
        var runner = new IncidentDiagnosticsRunner(_runtime, null);
        var missing = Path.Combine(_dir.Path, "nope.kubeconfig");
        var bundle = await runner.RunAsync(new DiagnosticsRequest
        {
            Service = "web",
            Kubernetes = new Core.Kubernetes.KubernetesTarget(missing, null, null, false, TimeSpan.FromSeconds(5), "-Kubeconfig"),
            Workload = new DiagnosticsWorkload("web", "default", null),
            SystemMetrics = false,
            OutputDirectory = _dir.Path,
        }, CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(4, bundle.Failed);
        Assert.All(bundle.Sources, s => Assert.Contains("nope.kubeconfig", s.Error, StringComparison.Ordinal));
    }

    private async Task<IList<V1Pod>> Pods(string ns) =>
        (await sandbox.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 400; attempt++)
        {
            if (await condition()) return true;
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        return false;
    }
}
