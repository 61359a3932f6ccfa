using k8s;
using k8s.Models;
using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.Incidents.Runbooks.Actions;
using OpsAutomation.Core.Tests.Deployment.Rollout;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents.Runbooks;

/// <summary>Runbooks against the Kubernetes sandbox: a crash-looping version rolled back and verified through its Service, restarts rate-limited across runs, WhatIf.</summary>
[Collection(SandboxClusterTests.Collection)]
public sealed class RunbookSandboxTests(SandboxCluster cluster) : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private RunbookHarness? _harness;

    public void Dispose() => _harness?.Dispose();

    private async Task<RunbookHarness> HarnessAsync() => _harness ??= await new RunbookHarness(() => cluster.Admin).OpenAsync();

    /// <summary>A Deployment "web" of one replica (Recreate, so a bad version takes the service down) at sample:1, and its Service; returns the Service's local URL.</summary>
    private async Task<string> GoodVersionAsync(string ns)
    {
        var deployment = RolloutSandbox.Deployment("web", "sample:1", replicas: 1, progressDeadlineSeconds: 30);
        deployment.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };
        await cluster.Admin.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns);
        await cluster.Admin.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] },
        }, ns);
        await WaitAsync(ns);
        Uri? url = null;
        Assert.True(await SandboxCluster.EventuallyAsync(async () => (url = ServiceUrls.For(await cluster.Admin.CoreV1.ReadNamespacedServiceAsync("web", ns))) is not null));
        return url!.ToString();
    }

    private async Task WaitAsync(string ns) =>
        Assert.True((await new RolloutWatcher(cluster.Admin).WaitAsync(new RolloutWaitOptions { Name = "web", Namespace = ns, Timeout = TimeSpan.FromSeconds(60) }, default)
            .WaitAsync(Guard)).Succeeded);

    private async Task CrashingVersionAsync(string ns)
    {
        var deployment = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        deployment.Spec.Template = RolloutSandbox.Template("web", "sample:2", new Dictionary<string, string> { ["CRASH_AFTER_SECONDS"] = "0", ["EXIT_CODE"] = "3" });
        await cluster.Admin.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, "web", ns);
        // The old pod goes (Recreate) and the new one crashes: nothing is ready behind the Service.
        Assert.True(await SandboxCluster.EventuallyAsync(async () =>
            (await cluster.Admin.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items.All(p => p.Spec.Containers[0].Image == "sample:2")));
    }

    [Fact]
    public async Task A_crash_looping_deployment_is_rolled_back_to_its_last_good_revision_verified_and_documented()
    {
        var harness = await HarnessAsync();
        var ns = await cluster.NewNamespaceAsync("rb-rollback");
        var url = await GoodVersionAsync(ns);
        await CrashingVersionAsync(ns);
        var file = harness.Yaml($"""
            Runbooks:
            - Name: web-down
              Match: {"{"} Service: web, Severity: Error {"}"}
              Steps:
              - Name: rollback
                Action: RollbackDeployment
                Deployment: "{"${Service}"}"
                Namespace: {ns}
                TimeoutSec: 60
              Verify: {"{"} Uri: "{url}", SuccessCount: 2, IntervalSec: 0.2, WindowSec: 30 {"}"}
            """, $"{ns}.yaml");
        var incident = await harness.IncidentAsync("web");

        var run = await harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default).WaitAsync(Guard);

        var step = Assert.Single(run!.Steps);
        Assert.True(step.Outcome == RunbookStepOutcome.Succeeded, step.Message);
        Assert.StartsWith("rolled back from revision 2 to revision 1 (sample:1); rollout of revision 3 complete", step.Message);
        Assert.True(run.Verified, run.Verification);
        Assert.False(run.NeedsEscalation);
        Assert.Equal("sample:1", (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Template.Spec.Containers[0].Image);
        var timeline = await harness.TimelineAsync(incident.Id);
        var action = Assert.Single(timeline, e => e.Kind == IncidentEventKind.Action);
        Assert.Equal(("RollbackDeployment", $"deployment {ns}/web", "Succeeded"), (action.Details["action"], action.Details["target"], action.Details["outcome"]));
        var verification = Assert.Single(timeline, e => e.Kind == IncidentEventKind.Verification);
        Assert.Equal("true", verification.Details["verified"]);
        Assert.DoesNotContain(timeline, e => e.Details.ContainsKey("escalate"));
        var records = await new OpsAutomation.Core.State.DeploymentRecordStore(harness.State!).ListAsync("web", ns, null, 10, default).ToListAsync();
        Assert.Equal("Undo", Assert.Single(records).Strategy);
    }

    [Fact]
    public async Task A_restart_that_does_not_help_is_rate_limited_on_the_next_run_and_escalates()
    {
        var harness = await HarnessAsync();
        var ns = await cluster.NewNamespaceAsync("rb-restart");
        var url = await GoodVersionAsync(ns);
        await CrashingVersionAsync(ns);
        var file = harness.Yaml($"""
            Name: restart
            Steps:
            - Action: RestartDeployment
              Deployment: web
              Namespace: {ns}
              RateLimit: {"{"} Count: 1, WindowSec: 3600 {"}"}
            Verify: {"{"} Uri: "{url}", SuccessCount: 1, IntervalSec: 0.2, WindowSec: 1 {"}"}
            """, $"{ns}.yaml");
        var incident = await harness.IncidentAsync("web");

        var first = await harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default).WaitAsync(Guard);
        var restarted = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        var second = await harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default).WaitAsync(Guard);
        var after = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);

        Assert.Equal(RunbookStepOutcome.Succeeded, Assert.Single(first!.Steps).Outcome);
        Assert.True(restarted.Spec.Template.Metadata.Annotations.ContainsKey(RestartDeploymentAction.RestartedAtAnnotation));
        Assert.Equal(RunbookStepOutcome.RateLimited, Assert.Single(second!.Steps).Outcome);
        Assert.Equal(restarted.Spec.Template.Metadata.Annotations[RestartDeploymentAction.RestartedAtAnnotation],
            after.Spec.Template.Metadata.Annotations[RestartDeploymentAction.RestartedAtAnnotation]);
        Assert.Equal(restarted.Metadata.Generation, after.Metadata.Generation);
        // The restart did not fix a crashing version: unverified, so both runs escalate.
        Assert.Equal((false, false), (first.Verified, second.Verified));
        Assert.True(first.NeedsEscalation && second.NeedsEscalation);
        var timeline = await harness.TimelineAsync(incident.Id);
        Assert.Equal(["Succeeded", "RateLimited"], timeline.Where(e => e.Kind == IncidentEventKind.Action && e.Details.ContainsKey("step")).Select(e => e.Details["outcome"]));
        Assert.Equal(2, timeline.Count(e => e.Details.GetValueOrDefault("escalate") == "true"));
    }

    [Fact]
    public async Task WhatIf_changes_nothing_in_the_cluster()
    {
        var harness = await HarnessAsync();
        var ns = await cluster.NewNamespaceAsync("rb-whatif");
        await GoodVersionAsync(ns);
        var before = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        var pods = (await cluster.Admin.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Name).Order().ToList();
        var file = harness.Yaml($"""
            Name: everything
            Steps:
            - {"{"} Action: RestartDeployment, Deployment: web, Namespace: {ns} {"}"}
            - {"{"} Action: ScaleDeployment, Deployment: web, Namespace: {ns}, Replicas: 0 {"}"}
            - {"{"} Action: RollbackDeployment, Deployment: web, Namespace: {ns} {"}"}
            - {"{"} Action: DeletePod, Deployment: web, Namespace: {ns} {"}"}
            """, $"{ns}.yaml");
        var incident = await harness.IncidentAsync("web");
        var asked = new List<string>();

        var run = await harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(whatIf: true) with
        {
            Confirm = (target, action) => { asked.Add($"{target}: {action}"); return Task.FromResult(false); },
        }, default);

        Assert.All(run!.Steps, s => Assert.Equal(RunbookStepOutcome.WhatIf, s.Outcome));
        Assert.Equal(4, asked.Count);
        Assert.Equal($"deployment {ns}/web: ScaleDeployment: scale to 0 replicas", asked[1]);
        var after = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal(pods, (await cluster.Admin.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Name).Order().ToList());
    }

    [Fact]
    public async Task Scaling_and_a_missing_deployment_are_results_on_the_timeline()
    {
        var harness = await HarnessAsync();
        var ns = await cluster.NewNamespaceAsync("rb-scale");
        await GoodVersionAsync(ns);
        var file = harness.Yaml($"""
            Name: scale
            Steps:
            - {"{"} Name: scale, Action: ScaleDeployment, Deployment: web, Namespace: {ns}, Replicas: 2 {"}"}
            - {"{"} Name: missing, Action: RestartDeployment, Deployment: api, Namespace: {ns} {"}"}
            """, $"{ns}.yaml");
        var incident = await harness.IncidentAsync("web");

        var run = await harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default);

        Assert.Equal([RunbookStepOutcome.Succeeded, RunbookStepOutcome.Failed], run!.Steps.Select(s => s.Outcome));
        Assert.Equal("scaled from 1 to 2 replicas", run.Steps[0].Message);
        Assert.StartsWith($"Could not restart deployment {ns}/api: the API server answered 404", run.Steps[1].Message);
        Assert.Equal(2, (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
        Assert.True(run.NeedsEscalation);
    }
    [Fact]
    public async Task The_crash_looping_pods_of_a_deployment_are_deleted_and_only_they()
    {
        var harness = await HarnessAsync();
        var ns = await cluster.NewNamespaceAsync("rb-deletepod");
        await GoodVersionAsync(ns);
        await CrashingVersionAsync(ns);
        V1Pod? crashing = null;
        Assert.True(await SandboxCluster.EventuallyAsync(async () => (crashing = (await cluster.Admin.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items
            .FirstOrDefault(p => p.Status?.ContainerStatuses?.Any(c => c.State?.Waiting?.Reason == "CrashLoopBackOff") == true)) is not null));
        var file = harness.Yaml($"""
            Name: delete
            Steps:
            - {"{"} Action: DeletePod, Deployment: web, Namespace: {ns} {"}"}
            """, $"{ns}.yaml");
        var incident = await harness.IncidentAsync("web");

        var run = await harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default);

        var step = Assert.Single(run!.Steps);
        Assert.True(step.Outcome == RunbookStepOutcome.Succeeded, step.Message);
        Assert.Equal($"deleted pod {crashing!.Metadata.Name}", step.Message);
        Assert.True(await SandboxCluster.EventuallyAsync(async () =>
            (await cluster.Admin.CoreV1.ListNamespacedPodAsync(ns)).Items.All(p => p.Metadata.Uid != crashing.Metadata.Uid)));
    }
}
