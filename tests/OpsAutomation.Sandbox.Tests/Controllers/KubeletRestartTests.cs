using k8s;
using k8s.Models;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>What takes sandbox minutes, on a sandbox whose clock runs <see cref="FastSandboxFixture.Speed"/> times real time: crash loops and progress deadlines.</summary>
public sealed class KubeletRestartTests(FastSandboxFixture sandbox) : IClassFixture<FastSandboxFixture>
{
    private readonly IKubernetes _client = sandbox.Client;

    [Fact]
    public async Task A_deployment_whose_pods_never_become_ready_is_not_available_and_exceeds_its_progress_deadline()
    {
        var ns = await sandbox.NewNamespaceAsync("deadline");
        var template = KubeletTests.Pod("web", new Dictionary<string, string> { ["READINESS_FAIL"] = "true" }, KubeletTests.ReadyzProbe());
        await _client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                ProgressDeadlineSeconds = 60,
                Selector = new V1LabelSelector { MatchLabels = template.Metadata.Labels },
                Template = new V1PodTemplateSpec { Metadata = template.Metadata, Spec = template.Spec },
            },
        }, ns);

        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status?.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded") == true));

        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        var conditions = deployment.Status.Conditions.ToDictionary(c => c.Type);
        Assert.Equal(("False", "ProgressDeadlineExceeded"), (conditions["Progressing"].Status, conditions["Progressing"].Reason));
        Assert.Equal(("False", "MinimumReplicasUnavailable"), (conditions["Available"].Status, conditions["Available"].Reason));
        Assert.Equal(0, deployment.Status.AvailableReplicas ?? 0);
        var pods = (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal(("Running", false), (p.Status.Phase, p.Status.ContainerStatuses.Single().Ready)));
    }

    [Fact]
    public async Task A_slow_starting_pod_becomes_ready_once_its_start_is_over()
    {
        var ns = await sandbox.NewNamespaceAsync("slow");
        await _client.CoreV1.CreateNamespacedPodAsync(KubeletTests.Pod("web", new Dictionary<string, string> { ["SLOW_START_SECONDS"] = "30" }, KubeletTests.ReadyzProbe()), ns);

        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.ContainerStatuses?.SingleOrDefault()?.Ready == true));

        var pod = await _client.CoreV1.ReadNamespacedPodAsync("web", ns);
        var ready = pod.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal("True", ready.Status);
        Assert.True(ready.LastTransitionTime >= pod.Status.StartTime!.Value.AddSeconds(30));
    }

    [Theory]
    [InlineData("CRASH_AFTER_SECONDS", "2", 3, "Error")]
    [InlineData("OOM", "true", 137, "OOMKilled")]
    public async Task A_crashing_container_restarts_with_its_last_termination_and_goes_into_crash_loop_back_off(string variable, string value, int exitCode, string reason)
    {
        var ns = await sandbox.NewNamespaceAsync("crash");
        await _client.CoreV1.CreateNamespacedPodAsync(KubeletTests.Pod("web", new Dictionary<string, string> { [variable] = value, ["EXIT_CODE"] = "3" }), ns);

        V1ContainerStatus? status = null;
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
        {
            status = (await _client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.ContainerStatuses?.SingleOrDefault();
            return status is { RestartCount: >= 2, State.Waiting.Reason: "CrashLoopBackOff" };
        }));

        Assert.False(status!.Ready);
        Assert.Matches("^back-off (20|40|80|160)s restarting failed container=app pod=web_crash-[0-9]+\\(.+\\)$", status.State.Waiting.Message);
        var terminated = status.LastState.Terminated;
        Assert.Equal((exitCode, reason), (terminated.ExitCode, terminated.Reason));
        Assert.True(terminated.FinishedAt >= terminated.StartedAt);
        using var stream = await _client.CoreV1.ReadNamespacedPodLogAsync("web", ns, previous: true);
        using var reader = new StreamReader(stream);
        var previous = await reader.ReadToEndAsync();
        Assert.Contains(reason == "OOMKilled" ? "out-of-memory killer" : "crashing as told (CRASH_AFTER_SECONDS): exit code 3", previous, StringComparison.Ordinal);
        var events = await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=web,reason=BackOff");
        Assert.Contains(events.Items, e => e.Type == "Warning" && e.Message.StartsWith("Back-off restarting failed container app in pod web_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kubectl_shows_the_crash_loop_its_logs_previous_the_run_that_crashed_and_get_events_the_back_off()
    {
        var ns = await sandbox.NewNamespaceAsync("crash-kubectl");
        await _client.CoreV1.CreateNamespacedPodAsync(KubeletTests.Pod("web", new Dictionary<string, string> { ["CRASH_AFTER_SECONDS"] = "1", ["EXIT_CODE"] = "4" }), ns);
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.ContainerStatuses?.SingleOrDefault() is { RestartCount: >= 2, State.Waiting.Reason: "CrashLoopBackOff" }));
        var kubectl = new Kubectl(sandbox.KubeconfigPath);

        var get = await kubectl.RunAsync(null, "get", "pod", "web", "-n", ns, "--no-headers");
        var previous = await kubectl.RunAsync(null, "logs", "web", "-n", ns, "--previous");
        var events = await kubectl.RunAsync(null, "get", "events", "-n", ns, "--field-selector", "involvedObject.name=web,reason=BackOff",
            "-o", "jsonpath={.items[0].type} {.items[0].message}");

        Assert.Equal(0, get.ExitCode);
        Assert.Matches("^web +0/1 +CrashLoopBackOff +[0-9]+ \\([0-9]+[sm]+ ago\\) +", get.Output);
        Assert.Equal((0, ""), (previous.ExitCode, previous.Error));
        Assert.Contains("crashing as told (CRASH_AFTER_SECONDS): exit code 4", previous.Output, StringComparison.Ordinal);
        Assert.Equal(0, events.ExitCode);
        Assert.StartsWith("Warning Back-off restarting failed container app in pod web_", events.Output, StringComparison.Ordinal);
    }

    private static V1Probe HealthzProbe(int periodSeconds, int failureThreshold) =>
        new() { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = 8080 }, PeriodSeconds = periodSeconds, FailureThreshold = failureThreshold };

    [Theory]
    [InlineData("liveness", "HANG_AFTER_SECONDS", "30", "Liveness probe failed: HTTP probe failed with statuscode: 503")]
    [InlineData("startup", "SLOW_START_SECONDS", "600", "Startup probe failed: HTTP probe failed with statuscode: 503")]
    public async Task A_container_that_fails_its_liveness_or_startup_probe_is_killed_and_restarted(string probe, string variable, string value, string unhealthy)
    {
        var ns = await sandbox.NewNamespaceAsync(probe);
        var pod = KubeletTests.Pod("web", new Dictionary<string, string> { [variable] = value });
        var container = pod.Spec.Containers[0];
        if (probe == "liveness")
        {
            container.LivenessProbe = HealthzProbe(5, 3);
        }
        else
        {
            container.StartupProbe = HealthzProbe(5, 3);
        }
        await _client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        V1ContainerStatus? status = null;
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (status = (await _client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.ContainerStatuses?.SingleOrDefault()) is { RestartCount: >= 1, LastState.Terminated: not null }));

        Assert.Equal((143, "Error"), (status!.LastState.Terminated.ExitCode, status.LastState.Terminated.Reason));
        var events = (await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=web")).Items;
        Assert.Contains(events, e => (e.Reason, e.Type, e.Message) == ("Unhealthy", "Warning", unhealthy));
        Assert.Contains(events, e => (e.Reason, e.Type, e.Message) == ("Killing", "Normal", $"Container app failed {probe} probe, will be restarted"));
    }

    [Fact]
    public async Task A_startup_probe_holds_the_liveness_and_readiness_probes_until_it_passes()
    {
        var ns = await sandbox.NewNamespaceAsync("startup");
        var pod = KubeletTests.Pod("web", new Dictionary<string, string> { ["SLOW_START_SECONDS"] = "120" }, KubeletTests.ReadyzProbe());
        pod.Spec.Containers[0].StartupProbe = HealthzProbe(5, 60);
        pod.Spec.Containers[0].LivenessProbe = HealthzProbe(1, 1);
        await _client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.ContainerStatuses?.SingleOrDefault() is { State.Running: not null, Started: false, Ready: false }));
        V1ContainerStatus? status = null;
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (status = (await _client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.ContainerStatuses?.SingleOrDefault()) is { Ready: true }));

        Assert.Equal((true, 0), (status!.Started, status.RestartCount));
        var unhealthy = (await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=web,reason=Unhealthy")).Items;
        Assert.Contains(unhealthy, e => e.Message.StartsWith("Startup probe failed:", StringComparison.Ordinal));
        Assert.DoesNotContain(unhealthy, e => e.Message.StartsWith("Liveness probe failed:", StringComparison.Ordinal) || e.Message.StartsWith("Readiness probe failed:", StringComparison.Ordinal));
    }
}
