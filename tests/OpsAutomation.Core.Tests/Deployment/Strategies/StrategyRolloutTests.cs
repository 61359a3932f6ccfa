using System.Net;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Deployment.Strategies;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Strategies;

/// <summary>Canary and blue-green on the Kubernetes sandbox: real controllers, real pods' HTTP, the Service's real round robin.</summary>
[Collection(SandboxClusterTests.Collection)]
public sealed class StrategyRolloutTests(SandboxCluster cluster)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task A_canary_that_passes_its_steps_is_promoted_and_reports_the_achieved_split()
    {
        var ns = await cluster.NewNamespaceAsync("canary-promote");
        await DeployStableAsync(ns, replicas: 4);
        var steps = new List<StrategyStepResult>();
        var context = Context(ns, Traffic(requests: 8), steps.Add);

        var result = await new CanaryRollout(context).RunAsync(await CanaryPlan(ns, "sample:2", [new SetWeightStep(25), new AnalysisStep(), new SetWeightStep(60), new PauseStep(TimeSpan.FromMilliseconds(100))]), default);

        Assert.Equal(StrategyOutcome.Promoted, result.Outcome);
        var weights = result.Steps.Where(s => s.Kind == "SetWeight").ToList();
        Assert.Equal([25, 60], weights.Select(s => s.RequestedWeight!.Value));
        // 25% of 4 pods is exact; 60% of 4 is not: 2 of 4 (50%) and 3 of 5 with the surge pod (60%) are the candidates.
        Assert.Equal([25.0, 60.0], weights.Select(s => s.AchievedWeight!.Value));
        Assert.Equal(result.Steps, steps);
        var web = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal("sample:2", web.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(4, web.Spec.Replicas);
        Assert.Null(await ClusterObjects.GetDeploymentAsync(cluster.Admin, ns, "web-canary", default));
    }

    [Fact]
    public async Task A_canary_failing_its_analysis_is_aborted_and_stable_is_restored()
    {
        var ns = await cluster.NewNamespaceAsync("canary-abort");
        await DeployStableAsync(ns, replicas: 3);
        var context = Context(ns, Traffic(requests: 12));

        var result = await new CanaryRollout(context).RunAsync(
            await CanaryPlan(ns, "sample:bad", [new SetWeightStep(34), new AnalysisStep(), new SetWeightStep(100)], errorRate: "1"), default);

        Assert.Equal(StrategyOutcome.Aborted, result.Outcome);
        Assert.Contains("step 2 (analysis) failed", result.Reason);
        Assert.Contains("HTTP 500", result.Reason);
        Assert.Equal("Abort", result.Steps[^1].Kind);
        var web = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal("sample:1", web.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(3, web.Spec.Replicas);
        Assert.Null(await ClusterObjects.GetDeploymentAsync(cluster.Admin, ns, "web-canary", default));
    }

    [Fact]
    public async Task A_canary_stopped_half_way_is_continued_from_the_cluster_by_the_next_run()
    {
        var ns = await cluster.NewNamespaceAsync("canary-resume");
        await DeployStableAsync(ns, replicas: 4);
        using var stop = new CancellationTokenSource();
        var first = Context(ns, Traffic(requests: 4), step => { if (step.Kind == "SetWeight") stop.Cancel(); });
        CanaryStep[] steps = [new SetWeightStep(25), new PauseStep(TimeSpan.FromMinutes(10)), new SetWeightStep(50)];

        var plan = await CanaryPlan(ns, "sample:2", steps);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new CanaryRollout(first).RunAsync(plan, stop.Token));
        var left = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web-canary", ns);
        Assert.Equal("0", left.Metadata.Annotations[CanaryRollout.StepAnnotation]);
        Assert.Equal(1, left.Spec.Replicas);

        // A run for another version refuses to trample the canary in progress.
        var otherPlan = await CanaryPlan(ns, "sample:3", steps);
        var other = await Assert.ThrowsAsync<StrategyException>(() => new CanaryRollout(Context(ns, Traffic(1))).RunAsync(otherPlan, default));
        Assert.Contains("in progress", other.Message);

        // The same version, with the pause shortened, picks up at step 1 again (its pause was not completed) and promotes.
        CanaryStep[] shorter = [new SetWeightStep(25), new PauseStep(TimeSpan.FromMilliseconds(50)), new SetWeightStep(50)];
        var result = await new CanaryRollout(Context(ns, Traffic(4))).RunAsync(await CanaryPlan(ns, "sample:2", shorter), default);
        Assert.Equal(StrategyOutcome.Promoted, result.Outcome);
        Assert.Equal(1, result.Steps[0].Index);
    }

    [Fact]
    public async Task A_canary_in_progress_can_be_aborted_on_request()
    {
        var ns = await cluster.NewNamespaceAsync("canary-request");
        await DeployStableAsync(ns, replicas: 2);
        using var stop = new CancellationTokenSource();
        var first = Context(ns, Traffic(1), step => { if (step.Kind == "SetWeight") stop.Cancel(); });
        var plan = await CanaryPlan(ns, "sample:2", [new SetWeightStep(50), new PauseStep(TimeSpan.FromMinutes(10))]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new CanaryRollout(first).RunAsync(plan, stop.Token));

        var result = await new CanaryRollout(Context(ns, Traffic(1))).RunAsync(
            await CanaryPlan(ns, "sample:whatever", [], decision: CanaryDecision.Abort), default);

        Assert.Equal(StrategyOutcome.Aborted, result.Outcome);
        Assert.Null(await ClusterObjects.GetDeploymentAsync(cluster.Admin, ns, "web-canary", default));
        Assert.Equal(2, (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
    }

    [Fact]
    public async Task Blue_green_deploys_to_the_idle_color_switches_and_scales_the_old_one_down()
    {
        var ns = await cluster.NewNamespaceAsync("bluegreen");
        var rollout = new BlueGreenRollout(Context(ns, Traffic(requests: 6)));

        var first = await rollout.RunAsync(BlueGreenPlan(ns, "sample:1"), default);
        Assert.Equal(StrategyOutcome.Promoted, first.Outcome);
        Assert.Equal("blue", StrategyObjects.SelectedColor(await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("web", ns)));

        var second = await new BlueGreenRollout(Context(ns, Traffic(requests: 6))).RunAsync(BlueGreenPlan(ns, "sample:2"), default);
        Assert.Equal(StrategyOutcome.Promoted, second.Outcome);
        Assert.Equal(["Deploy", "Preview", "Switch", "Analysis", "ScaleDown"], second.Steps.Select(s => s.Kind));
        Assert.Equal("green", StrategyObjects.SelectedColor(await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("web", ns)));
        Assert.Equal(0, (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web-blue", ns)).Spec.Replicas);

        // The same version again changes nothing.
        var again = await new BlueGreenRollout(Context(ns, Traffic(1))).RunAsync(BlueGreenPlan(ns, "sample:2"), default);
        Assert.Equal(StrategyOutcome.Unchanged, again.Outcome);
    }

    [Fact]
    public async Task Blue_green_aborts_a_bad_preview_and_switches_back_when_live_traffic_fails()
    {
        var ns = await cluster.NewNamespaceAsync("bluegreen-bad");
        await new BlueGreenRollout(Context(ns, Traffic(1))).RunAsync(BlueGreenPlan(ns, "sample:1"), default);

        var bad = await new BlueGreenRollout(Context(ns, Traffic(requests: 6))).RunAsync(BlueGreenPlan(ns, "sample:bad", errorRate: "1"), default);
        Assert.Equal(StrategyOutcome.Aborted, bad.Outcome);
        Assert.Contains("preview of green failed", bad.Reason);
        Assert.Equal("blue", StrategyObjects.SelectedColor(await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("web", ns)));
        Assert.Equal(0, (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web-green", ns)).Spec.Replicas);

        // Passes through the preview, fails once live: the active Service goes back to blue.
        var liveOnly = Context(ns, (request, _) => Task.FromResult(request.Stage.StartsWith("active", StringComparison.Ordinal)
            ? new AnalysisVerdict(false, "error-ratio: 0.4 > 0.05") : AnalysisVerdict.Pass()));
        var back = await new BlueGreenRollout(liveOnly).RunAsync(BlueGreenPlan(ns, "sample:2"), default);
        Assert.Equal(StrategyOutcome.SwitchedBack, back.Outcome);
        Assert.Contains("error-ratio: 0.4 > 0.05", back.Reason);
        Assert.Equal("blue", StrategyObjects.SelectedColor(await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("web", ns)));
    }

    private StrategyContext Context(string ns, Func<AnalysisRequest, CancellationToken, Task<AnalysisVerdict>> analyze, Action<StrategyStepResult>? completed = null) => new()
    {
        Client = cluster.Admin,
        Namespace = ns,
        Time = TimeProvider.System,
        WaitForRolloutAsync = (name, token) => WaitRolledOutAsync(ns, name, token),
        AnalyzeAsync = analyze,
        StepCompleted = completed ?? (_ => { }),
    };

    /// <summary>An analysis that sends real requests through the Service and fails on any error answer.</summary>
    private static Func<AnalysisRequest, CancellationToken, Task<AnalysisVerdict>> Traffic(int requests) => async (request, token) =>
    {
        if (request.ServiceUrl is null) return new AnalysisVerdict(false, "the Service has no URL");
        for (var i = 0; i < requests; i++)
        {
            using var response = await Http.GetAsync(request.ServiceUrl, token);
            if (response.StatusCode != HttpStatusCode.OK) return new AnalysisVerdict(false, $"request {i + 1} of {requests}: HTTP {(int)response.StatusCode}");
        }
        return AnalysisVerdict.Pass($"{requests} requests answered 200");
    };

    private async Task WaitRolledOutAsync(string ns, string name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var d = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken);
            var want = d.Spec.Replicas ?? 1;
            if (d.Status?.ObservedGeneration >= d.Metadata.Generation && (d.Status.UpdatedReplicas ?? 0) == want
                && (d.Status.Replicas ?? 0) == want && (d.Status.AvailableReplicas ?? 0) == want)
            {
                return;
            }
            await Task.Delay(50, cancellationToken);
        }
        throw new TimeoutException($"{ns}/{name} did not roll out within 30 s");
    }

    private async Task DeployStableAsync(string ns, int replicas)
    {
        await ClusterObjects.ApplyAsync(cluster.Admin, Web(ns, "sample:1", replicas), ClusterObjects.FieldManager, default);
        await ClusterObjects.ApplyAsync(cluster.Admin, Service(ns), ClusterObjects.FieldManager, default);
        await WaitRolledOutAsync(ns, "web", default);
    }

    private async Task<CanaryPlan> CanaryPlan(string ns, string image, CanaryStep[] steps, string? errorRate = null, CanaryDecision decision = CanaryDecision.Continue)
    {
        Uri? url = null;
        Assert.True(await SandboxCluster.EventuallyAsync(async () => (url = ServiceUrls.For(await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("web", ns))) is not null));
        return new CanaryPlan
        {
            Desired = Web(ns, image, replicas: 4, errorRate),
            Steps = steps,
            MaxSurge = 1,
            Decision = decision,
            PromoteAsync = async token =>
            {
                var live = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns, cancellationToken: token);
                await ClusterObjects.ApplyAsync(cluster.Admin, Web(ns, image, live.Spec.Replicas ?? 1, errorRate), ClusterObjects.FieldManager, token);
            },
            ServiceUrl = url,
        };
    }

    private static BlueGreenPlan BlueGreenPlan(string ns, string image, string? errorRate = null) => new()
    {
        Desired = Web(ns, image, replicas: 2, errorRate),
        Service = Service(ns),
        ScaleDownDelay = TimeSpan.FromMilliseconds(200),
    };

    private static V1Deployment Web(string ns, string image, int replicas, string? errorRate = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "web", Image = image, Ports = [new V1ContainerPort { ContainerPort = 8080 }],
                            Env = errorRate is null ? null : [new V1EnvVar { Name = "ERROR_RATE", Value = errorRate }],
                        },
                    ],
                },
            },
        },
    };

    private static V1Service Service(string ns) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }],
        },
    };
}
