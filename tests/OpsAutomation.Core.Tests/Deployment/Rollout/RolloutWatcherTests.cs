using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Rollout;

/// <summary>Waiting for rollouts of the sandbox's sample application, through the module's own client.</summary>
[Collection(RolloutSandboxTests.Collection)]
public sealed class RolloutWatcherTests(RolloutSandbox sandbox)
{
    private readonly IKubernetes _client = sandbox.Client;

    /// <summary>A hang guard for waits that must end by themselves; far above what any takes.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static RolloutWaitOptions Options(string ns, IProgress<RolloutProgress>? progress = null) => new()
    {
        Name = "web", Namespace = ns, Progress = progress, Timeout = TimeSpan.FromMinutes(2),
    };

    [Fact]
    public async Task A_good_rollout_completes_with_kubectls_words_and_reports_its_progress()
    {
        var ns = await sandbox.NewNamespaceAsync("good");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1", replicas: 3), ns);
        var seen = new ConcurrentQueue<RolloutProgress>();

        var result = await new RolloutWatcher(_client).WaitAsync(Options(ns, new Inline(seen.Enqueue)), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutStatus.Complete, result.Status);
        Assert.Equal("deployment \"web\" successfully rolled out", result.Message);
        Assert.Equal((3, 3, 3, 3), (result.State.Desired, result.State.Updated, result.State.Ready, result.State.Available));
        Assert.Equal(1, result.Revision);
        Assert.Contains(seen, p => p.Available < 3);
        Assert.Equal(3, seen.Last().Available);
        // The result keeps the counts it went through, each change once, ending where the rollout did.
        Assert.Contains(result.History, s => s.Available < 3);
        Assert.Equal((3, 3), (result.History[^1].Desired, result.History[^1].Available));
        Assert.All(result.History.Zip(result.History.Skip(1)), pair => Assert.False(pair.First.SameCounts(pair.Second)));

        // The same template again is complete at once, from the first list.
        var again = await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);
        Assert.Equal(RolloutStatus.Complete, again.Status);
    }

    [Fact]
    public async Task A_new_version_rolls_out_to_the_next_revision()
    {
        var ns = await sandbox.NewNamespaceAsync("update");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1"), ns);
        await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);

        await sandbox.UpdateAsync("web", ns, "sample:2");
        var result = await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal((RolloutStatus.Complete, 2L), (result.Status, result.Revision));
        var pods = (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        Assert.All(pods, p => Assert.Equal("sample:2", p.Spec.Containers[0].Image));
    }

    [Fact]
    public async Task A_crash_looping_version_fails_fast_naming_pod_container_reason_restarts_and_its_last_log_lines()
    {
        var ns = await sandbox.NewNamespaceAsync("crash");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1"), ns);
        await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);
        await sandbox.UpdateAsync("web", ns, "sample:2", new Dictionary<string, string> { ["CRASH_AFTER_SECONDS"] = "0", ["EXIT_CODE"] = "3" });

        var result = await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutStatus.PodFailed, result.Status);
        var failure = result.PodFailure!;
        Assert.Equal(("app", "CrashLoopBackOff", 3), (failure.Container, failure.Reason, failure.ExitCode));
        Assert.Contains($"{failure.Restarts} restart", result.Message, StringComparison.Ordinal);
        var pod = await _client.CoreV1.ReadNamespacedPodAsync(failure.Pod, ns);
        Assert.Equal("sample:2", pod.Spec.Containers[0].Image);
        Assert.NotEmpty(failure.LogLines);
        Assert.Null(failure.LogError);
        Assert.Contains($"pod {failure.Pod} container app: CrashLoopBackOff", result.Message, StringComparison.Ordinal);
        Assert.Contains(failure.LogLines[^1], result.Message, StringComparison.Ordinal);
        // The old version still serves: the rollout stopped short.
        Assert.True(result.State.Available >= 1);
    }

    [Fact]
    public async Task An_OOM_killed_container_fails_fast_with_OOMKilled_and_exit_code_137()
    {
        var ns = await sandbox.NewNamespaceAsync("oom");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("web", "sample:1", env: new Dictionary<string, string> { ["OOM"] = "true" }), ns);

        var result = await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutStatus.PodFailed, result.Status);
        Assert.Equal(("OOMKilled", 137), (result.PodFailure!.Reason, result.PodFailure.ExitCode));
    }

    [Fact]
    public async Task A_version_that_never_gets_ready_ends_with_the_progress_deadline_condition_of_the_controller()
    {
        var ns = await sandbox.NewNamespaceAsync("deadline");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(
            RolloutSandbox.Deployment("web", "sample:1", env: new Dictionary<string, string> { ["READINESS_FAIL"] = "true" }, progressDeadlineSeconds: 60), ns);

        var result = await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutStatus.ProgressDeadlineExceeded, result.Status);
        Assert.StartsWith("deployment \"web\" exceeded its progress deadline: ReplicaSet \"web-", result.Message, StringComparison.Ordinal);
        var progressing = (await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status.Conditions.Single(c => c.Type == "Progressing");
        Assert.Equal("ProgressDeadlineExceeded", progressing.Reason);
        Assert.Equal(0, result.State.Available);
    }

    [Fact]
    public async Task The_callers_timeout_ends_the_wait_saying_where_the_rollout_stood()
    {
        var ns = await sandbox.NewNamespaceAsync("timeout");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(
            RolloutSandbox.Deployment("web", "sample:1", env: new Dictionary<string, string> { ["READINESS_FAIL"] = "true" }), ns);

        var result = await new RolloutWatcher(_client).WaitAsync(Options(ns) with { Timeout = TimeSpan.FromSeconds(1) }, CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutStatus.TimedOut, result.Status);
        Assert.StartsWith($"Timed out after 1s waiting for deployment {ns}/web; it was left at ", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watch_whose_version_expired_relists_and_still_sees_the_rollout_complete()
    {
        var ns = await sandbox.NewNamespaceAsync("expired");
        var busy = await sandbox.NewNamespaceAsync("busy");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(RolloutSandbox.Deployment("other", "sample:1", replicas: 0), busy);
        await _client.AppsV1.CreateNamespacedDeploymentAsync(
            RolloutSandbox.Deployment("web", "sample:1", env: new Dictionary<string, string> { ["SLOW_START_SECONDS"] = "90" }), ns);
        var waiting = new TaskCompletionSource();
        // Each watch lasts 30 sandbox seconds (1 s here), then starts again from the last version it saw.
        var options = Options(ns, new Inline(_ => waiting.TrySetResult())) with { WatchTimeout = TimeSpan.FromSeconds(30) };

        var wait = new RolloutWatcher(_client).WaitAsync(options, CancellationToken.None);
        await waiting.Task.WaitAsync(Guard);
        // More Deployment changes than the sandbox keeps, none of them this Deployment's: its watch's version falls out of the window.
        for (var i = 0; i < RolloutSandbox.WatchWindow * 2; i++)
        {
            await _client.AppsV1.PatchNamespacedDeploymentAsync(
                new V1Patch("{\"metadata\":{\"annotations\":{\"touch\":\"" + i + "\"}}}", V1Patch.PatchType.MergePatch), "other", busy);
        }
        var result = await wait.WaitAsync(Guard);

        Assert.True(result.Status == RolloutStatus.Complete, $"{result.Status}: {result.Message}");
        Assert.True(result.Relists >= 1, $"no relist: {result.Relists}");
    }

    [Fact]
    public async Task Cancelling_returns_at_once_with_the_state_the_deployment_was_left_in()
    {
        var ns = await sandbox.NewNamespaceAsync("cancel");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(
            RolloutSandbox.Deployment("web", "sample:1", replicas: 3, env: new Dictionary<string, string> { ["READINESS_FAIL"] = "true" }), ns);
        var updated = new TaskCompletionSource();
        using var cancel = new CancellationTokenSource();
        var wait = new RolloutWatcher(_client).WaitAsync(Options(ns, new Inline(p => { if (p.Updated == 3) updated.TrySetResult(); })), cancel.Token);
        await updated.Task.WaitAsync(Guard);

        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();
        var ex = await Assert.ThrowsAsync<RolloutCancelledException>(() => wait.WaitAsync(Guard));
        clock.Stop();

        Assert.Equal(RolloutStatus.Cancelled, ex.Result.Status);
        Assert.Equal(cancel.Token, ex.CancellationToken);
        Assert.StartsWith($"Stopped waiting for deployment {ns}/web; it was left at 3 of 3 updated, 0 ready, 0 available", ex.Message, StringComparison.Ordinal);
        Console.WriteLine($"cancellation returned after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_deployment_that_does_not_exist_is_NotFound()
    {
        var ns = await sandbox.NewNamespaceAsync("missing");

        var result = await new RolloutWatcher(_client).WaitAsync(Options(ns), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutStatus.NotFound, result.Status);
        Assert.Equal($"deployment {ns}/web does not exist", result.Message);
    }

    /// <summary>An IProgress that reports on the watcher's own thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class Inline(Action<RolloutProgress> report) : IProgress<RolloutProgress>
    {
        public void Report(RolloutProgress value) => report(value);
    }
}
