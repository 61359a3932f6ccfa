using k8s;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment;

/// <summary>Whole deployments on the sandbox: the manifests a user writes, the run's record, validation through the Service, automatic rollback.</summary>
[Collection(SandboxClusterTests.Collection)]
public sealed class DeploymentRunnerTests(SandboxCluster cluster) : IDisposable
{
    private readonly HealthHarness _harness = new();
    private readonly TempDirectory _files = new();

    public void Dispose()
    {
        _harness.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task A_good_version_rolls_out_is_validated_through_its_service_and_a_rerun_changes_nothing()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-good");
        var spec = Spec(ns, "sample:1");

        var first = await RunAsync(spec);

        Assert.True(first.Outcome == DeploymentOutcome.Succeeded, first.Reason);
        Assert.True(first.Changed);
        Assert.Null(first.RevisionBefore);
        Assert.Equal(1, first.RevisionAfter);
        Assert.Equal(["Created", "Created"], first.Applied.Select(a => a.Outcome.ToString()));
        Assert.Equal(ValidationOutcome.Passed, first.Validation!.Outcome);
        Assert.StartsWith("http://127.0.0.1:", Assert.Single(first.Uri));

        var again = await RunAsync(spec);
        Assert.Equal(DeploymentOutcome.Succeeded, again.Outcome);
        Assert.False(again.Changed);
        Assert.StartsWith("unchanged", again.Reason);
        Assert.Equal(1, again.RevisionAfter);
        var records = await _records!.ListAsync("web", ns, null, 10, default).ToListAsync();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(DeploymentOutcome.Succeeded, r.Outcome));
    }

    [Fact]
    public async Task A_gate_names_the_pods_under_validation_by_their_pod_template_hash()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-hash");

        var result = await RunAsync(Spec(ns, "sample:1", gateUri: "${SERVICE_URL}/?pods=${POD_TEMPLATE_HASH}"));

        Assert.True(result.Outcome == DeploymentOutcome.Succeeded, result.Reason);
        var replicaSets = await cluster.Admin.AppsV1.ListNamespacedReplicaSetAsync(ns);
        var hash = Assert.Single(replicaSets.Items).Metadata.Labels["pod-template-hash"];
        Assert.All(result.Validation!.Evaluations, e => Assert.EndsWith($"/?pods={hash}", e.Query, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("CRASH_AFTER_SECONDS", "0", "CrashLoopBackOff")]
    [InlineData("ERROR_RATE", "1", "the validation did not pass")]
    public async Task A_bad_version_is_rolled_back_to_the_last_good_one(string variable, string value, string reason)
    {
        var ns = await cluster.NewNamespaceAsync("deploy-bad");
        Assert.Equal(DeploymentOutcome.Succeeded, (await RunAsync(Spec(ns, "sample:1"))).Outcome);

        var bad = await RunAsync(Spec(ns, "sample:2", (variable, value)));

        Assert.True(bad.Outcome == DeploymentOutcome.RolledBack, bad.Reason);
        Assert.Contains(reason, bad.Reason);
        Assert.Equal(1, bad.RevisionBefore);
        Assert.Equal(3, bad.RevisionAfter);
        var web = await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal("sample:1", web.Spec.Template.Spec.Containers[0].Image);
        var record = await _records!.GetAsync(bad.Id, default);
        Assert.Equal(DeploymentOutcome.RolledBack, record!.Outcome);
        Assert.Contains(reason, record.Reason);

        // The next version takes back the fields the rollback set, instead of a conflict with the module's own undo.
        var next = await RunAsync(Spec(ns, "sample:3"));
        Assert.True(next.Outcome == DeploymentOutcome.Succeeded, next.Reason);
        Assert.Equal("sample:3", (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task Without_rollback_a_bad_version_is_left_for_a_person_and_says_so()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-norollback");
        await RunAsync(Spec(ns, "sample:1"));

        var bad = await RunAsync(Spec(ns, "sample:2", ("ERROR_RATE", "1")) with { Rollback = false });

        Assert.Equal(DeploymentOutcome.Failed, bad.Outcome);
        Assert.Contains("not rolled back (Rollback is off)", bad.Reason);
        Assert.Equal("sample:2", (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task A_canary_run_starts_as_a_rolling_update_then_promotes_the_next_version()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-canary");
        var canary = new Dictionary<string, object?>
        {
            ["Type"] = "Canary",
            ["Steps"] = new List<object?> { Map(("SetWeight", 50L)), Map(("Analysis", true)) },
        };

        var first = await RunAsync(Spec(ns, "sample:1", strategy: canary));
        var second = await RunAsync(Spec(ns, "sample:2", strategy: canary));

        Assert.Equal(DeploymentOutcome.Succeeded, first.Outcome);
        Assert.Empty(first.Steps);
        Assert.True(second.Outcome == DeploymentOutcome.Succeeded, second.Reason);
        Assert.Equal(["SetWeight", "Analysis", "Promote"], second.Steps.Select(s => s.Kind));
        Assert.Equal(50, second.Steps[0].AchievedWeight);
        // Its validation is the analysis that let it go on, with the gate's evaluations.
        Assert.Equal(ValidationOutcome.Passed, second.Validation!.Outcome);
        Assert.NotEmpty(second.Validation.Evaluations);
        // The chart of the run shows every rollout it waited on: the canary's and the promoted Deployment's, each with its counts over time.
        Assert.Contains(second.Rollouts, r => r.Name != "web");
        Assert.Contains(second.Rollouts, r => r.Name == "web");
        Assert.All(second.Rollouts, r => Assert.NotEmpty(r.History));
        var details = DeploymentDetails.Parse((await _records!.GetAsync(second.Id, default))!.DetailsJson)!;
        Assert.Equal(second.Rollouts.Select(r => (r.Name, r.History.Count)), details.Rollouts.Select(r => (r.Name, r.History.Count)));
        Assert.Contains(details.Validations, v => v.Gates.Any(g => g.Evaluations is { Count: > 0 }));
        Assert.Equal("sample:2", (await cluster.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task A_spec_naming_a_deployment_its_manifests_lack_is_refused_before_any_change()
    {
        var ns = await cluster.NewNamespaceAsync("deploy-missing");
        var error = await Assert.ThrowsAsync<DeploymentSpecException>(() => RunAsync(Spec(ns, "sample:1") with { Deployment = "api", Containers = ["web"] }));

        Assert.Contains("have no Deployment named api", error.Message);
        Assert.Empty((await cluster.Admin.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
        var record = Assert.Single(await _records!.ListAsync("api", ns, null, 10, default).ToListAsync());
        Assert.Equal(DeploymentOutcome.Failed, record.Outcome);
    }

    private DeploymentRecordStore? _records;

    private async Task<DeploymentResult> RunAsync(DeploymentSpec spec)
    {
        _records ??= new DeploymentRecordStore(await StateStore.OpenAsync(Path.Combine(_files.Path, "state"), default));
        var runId = Guid.NewGuid().ToString("N");
        using var log = new OpsLog(runId, new OpsLogOptions { Directory = Path.Combine(_files.Path, "logs") }, new SecretRedactor());
        var reader = new ValidationSpecReader(_harness.Runtime.Configuration, _harness.Settings, _files.Path);
        var services = new DeploymentServices
        {
            Clients = cluster.Clients,
            Target = cluster.Target(),
            Time = TimeProvider.System,
            RunId = runId,
            Records = _records,
            ReadValidation = section => reader.Read(section),
            Validator = plan => DeploymentValidator.Create(_harness.Runtime, plan, new HealthRunOptions { RunId = runId, Settings = _harness.Settings }, log),
            Metrics = _harness.Runtime.Metrics.Deployments,
        };
        return await new DeploymentRunner(services).RunAsync(spec, default);
    }

    /// <summary>The sample service's manifests (a Deployment of 2 and its Service) and a spec with a fast health gate on the Service.</summary>
    private DeploymentSpec Spec(string ns, string image, (string Name, string Value)? env = null, Dictionary<string, object?>? strategy = null, string gateUri = "${SERVICE_URL}")
    {
        var folder = Path.Combine(_files.Path, ns);
        Directory.CreateDirectory(folder);
        var envYaml = env is { } e ? $"""

                    env:
                    - name: {e.Name}
                      value: "{e.Value}"
            """ : "";
        File.WriteAllText(Path.Combine(folder, "web.yaml"), $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {"{"}app: web{"}"}
            spec:
              replicas: 2
              progressDeadlineSeconds: 30
              selector:
                matchLabels: {"{"}app: web{"}"}
              template:
                metadata:
                  labels: {"{"}app: web{"}"}
                spec:
                  containers:
                  - name: web
                    image: placeholder
                    ports:
                    - containerPort: 8080
                    readinessProbe:
                      httpGet: {"{"}path: /readyz, port: 8080{"}"}
                      periodSeconds: 1{envYaml}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {"{"}app: web{"}"}
              ports:
              - port: 80
                targetPort: 8080
            """);
        var tree = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Name"] = "web",
            ["Namespace"] = ns,
            ["Image"] = image,
            ["Manifests"] = folder,
            ["Service"] = "web",
            ["TimeoutSec"] = 60L,
            ["Validation"] = Map(("HealthGates", new List<object?>
            {
                Map(("Name", "service"), ("Uri", gateUri), ("SuccessCount", 3L), ("IntervalSec", 0.2), ("WindowSec", 10L)),
            })),
        };
        if (strategy is not null) tree["Strategy"] = strategy;
        return DeploymentSpecReader.Read(tree, Path.Combine(folder, "deploy.psd1"), folder);
    }

    private static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase);
}
