using System.Text;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Deployment.Manifests;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Manifests;

[Collection(SandboxClusterTests.Collection)]
public sealed class ManifestApplierTests(SandboxCluster sandbox) : IDisposable
{
    private readonly TempDirectory _files = new();

    public void Dispose() => _files.Dispose();

    private static string Deployment(string ns, string name = "web", string image = "registry.local/web:v1", int? replicas = 2) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
        spec:
        {(replicas is null ? "" : $"  replicas: {replicas}")}
          selector:
            matchLabels: {"{"}app: {name}{"}"}
          template:
            metadata:
              labels: {"{"}app: {name}{"}"}
            spec:
              containers:
              - name: web
                image: {image}
        """;

    private static string Service(string ns, string name = "web") => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          selector: {"{"}app: web{"}"}
          ports:
          - port: 80
        """;

    private static string ConfigMap(string ns, string name = "settings") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {name}
          namespace: {ns}
        data:
          mode: blue
        """;

    private async Task<List<ManifestApplyResult>> ApplyAsync(IKubernetes client, string text, ManifestApplyOptions? options = null,
        ManifestReadOptions? read = null)
    {
        var file = _files.File($"m{Guid.NewGuid():N}.yaml", text);
        var manifests = await ManifestReader.ReadAsync([file], read ?? new ManifestReadOptions(), default);
        var applier = new ManifestApplier(client);
        options ??= new ManifestApplyOptions();
        var plan = await applier.PlanAsync(manifests, options, default);
        var results = new List<ManifestApplyResult>();
        await foreach (var result in applier.ApplyAsync(plan, options, default)) results.Add(result);
        return results;
    }

    [Fact]
    public async Task A_new_set_is_created_in_dependency_order()
    {
        var ns = sandbox.UniqueName("order");
        var text = string.Join("\n---\n", Deployment(ns), Service(ns), ConfigMap(ns), $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n");

        var results = await ApplyAsync(sandbox.Admin, text);

        Assert.Equal(["Namespace", "ConfigMap", "Service", "Deployment"], results.Select(r => r.Kind));
        Assert.All(results, r => Assert.Equal(ManifestApplyOutcome.Created, r.Outcome));
        Assert.All(results, r => Assert.False(r.DryRun));
        Assert.Equal(1, results[^1].Generation);
        Assert.EndsWith(":1", results[^1].Source, StringComparison.Ordinal);
        var deployment = await sandbox.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Contains(deployment.Metadata.ManagedFields, f => f.Manager == ManifestApplyOptions.DefaultFieldManager && f.Operation == "Apply");
    }

    [Fact]
    public async Task A_rerun_is_unchanged_and_makes_no_new_revision()
    {
        var ns = await sandbox.NewNamespaceAsync("rerun");
        var text = Deployment(ns) + "\n---\n" + Service(ns);
        var first = await ApplyAsync(sandbox.Admin, text);
        Assert.True(await SandboxCluster.EventuallyAsync(async () =>
            (await sandbox.Admin.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count == 1));

        var second = await ApplyAsync(sandbox.Admin, text);

        Assert.All(second, r => Assert.Equal(ManifestApplyOutcome.Unchanged, r.Outcome));
        Assert.Equal(first.Select(r => r.Generation), second.Select(r => r.Generation));
        var deployment = await sandbox.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal(1, deployment.Metadata.Generation);
        Assert.Equal("1", deployment.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Single((await sandbox.Admin.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
    }

    [Fact]
    public async Task A_new_image_is_configured_and_bumps_the_generation()
    {
        var ns = await sandbox.NewNamespaceAsync("image");
        var text = Deployment(ns, image: "${IMAGE}");
        var v1 = await ApplyAsync(sandbox.Admin, text, read: new ManifestReadOptions { Variables = new Dictionary<string, string> { ["IMAGE"] = "registry.local/web:v1" } });

        var v2 = await ApplyAsync(sandbox.Admin, text, read: new ManifestReadOptions
        {
            Variables = new Dictionary<string, string> { ["IMAGE"] = "registry.local/web:v1" },
            Images = new Dictionary<string, string> { ["web"] = "registry.local/web@sha256:" + new string('a', 64) },
        });

        Assert.Equal(ManifestApplyOutcome.Created, v1.Single().Outcome);
        Assert.Equal(ManifestApplyOutcome.Configured, v2.Single().Outcome);
        Assert.Equal(2, v2.Single().Generation);
        var deployment = await sandbox.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal("registry.local/web@sha256:" + new string('a', 64), deployment.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task A_field_of_another_manager_is_a_conflict_naming_field_and_manager_and_force_takes_it()
    {
        var ns = await sandbox.NewNamespaceAsync("conflict");
        // Someone else applied the Deployment first, with 5 replicas, under their own field manager.
        var theirs = Deployment(ns, replicas: 5);
        await sandbox.Admin.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(ToJson(theirs), V1Patch.PatchType.ApplyPatch), "web", ns, fieldManager: "platform-team");

        var conflict = await Assert.ThrowsAsync<KubernetesApplyException>(() => ApplyAsync(sandbox.Admin, Deployment(ns, replicas: 2)));

        Assert.Equal(KubernetesApplyFailure.Conflict, conflict.Failure);
        var field = Assert.Single(conflict.Conflicts);
        Assert.Equal(".spec.replicas", field.Field);
        Assert.Equal("\"platform-team\"", field.Manager);
        Assert.Contains(".spec.replicas owned by \"platform-team\"", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("-Force", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was applied", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(5, (await sandbox.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);

        var forced = await ApplyAsync(sandbox.Admin, Deployment(ns, replicas: 2), new ManifestApplyOptions { Force = true });

        Assert.Equal(ManifestApplyOutcome.Configured, forced.Single().Outcome);
        Assert.Equal(2, (await sandbox.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
    }

    [Fact]
    public async Task A_preview_not_confirmed_is_a_dry_run_with_a_diff_and_changes_nothing()
    {
        var ns = await sandbox.NewNamespaceAsync("whatif");
        await ApplyAsync(sandbox.Admin, Deployment(ns));
        var before = await sandbox.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        var asked = new List<PlannedChange>();

        var results = await ApplyAsync(sandbox.Admin, Deployment(ns, image: "registry.local/web:v2") + "\n---\n" + ConfigMap(ns), new ManifestApplyOptions
        {
            Preview = true,
            Confirm = (change, _) => { asked.Add(change); return Task.FromResult(false); },
        });

        Assert.All(results, r => Assert.True(r.DryRun));
        Assert.Equal([ManifestApplyOutcome.Created, ManifestApplyOutcome.Configured], results.Select(r => r.Outcome));
        var diff = results[1].Diff!;
        Assert.Contains("-      - image: registry.local/web:v1", diff, StringComparison.Ordinal);
        Assert.Contains("+      - image: registry.local/web:v2", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("resourceVersion", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("managedFields", diff, StringComparison.Ordinal);
        Assert.Equal(2, asked.Count);
        Assert.Equal(diff, asked[1].Diff);
        Assert.Equal(["Server-side apply (create) as field manager opsautomation", "Server-side apply (update) as field manager opsautomation"],
            asked.Select(c => c.Action));
        Assert.Equal($"Deployment {ns}/web", asked[1].Target[..asked[1].Target.IndexOf(" (", StringComparison.Ordinal)]);
        var after = await sandbox.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        // The controllers write status meanwhile; what an apply would change did not change.
        Assert.Equal(before.Metadata.Generation, after.Metadata.Generation);
        Assert.Equal("registry.local/web:v1", after.Spec.Template.Spec.Containers[0].Image);
        static DateTime? Applied(V1Deployment d) => d.Metadata.ManagedFields.Single(f => f.Manager == ManifestApplyOptions.DefaultFieldManager).Time;
        Assert.Equal(Applied(before), Applied(after));
        Assert.DoesNotContain((await sandbox.Admin.CoreV1.ListNamespacedConfigMapAsync(ns)).Items, c => c.Metadata.Name == "settings");
    }

    [Fact]
    public async Task A_preview_of_a_new_namespace_previews_its_objects_without_the_server()
    {
        var ns = sandbox.UniqueName("whatif-new");

        var results = await ApplyAsync(sandbox.Admin, $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n---\n" + ConfigMap(ns),
            new ManifestApplyOptions { Preview = true, Confirm = (_, _) => Task.FromResult(false) });

        Assert.Equal([ManifestApplyOutcome.Created, ManifestApplyOutcome.Created], results.Select(r => r.Outcome));
        Assert.Contains("+  mode: blue", results[1].Diff, StringComparison.Ordinal);
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => sandbox.Admin.CoreV1.ReadNamespaceAsync(ns));
    }

    [Fact]
    public async Task A_secret_never_shows_its_data_in_a_diff()
    {
        var ns = await sandbox.NewNamespaceAsync("secret");
        var secret = $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: {ns}\nstringData:\n  password: ${{PASSWORD}}\n";
        await ApplyAsync(sandbox.Admin, secret, read: new ManifestReadOptions { Variables = new Dictionary<string, string> { ["PASSWORD"] = "hunter2-old" } });

        var results = await ApplyAsync(sandbox.Admin, secret, new ManifestApplyOptions { Preview = true, Confirm = (_, _) => Task.FromResult(false) },
            new ManifestReadOptions { Variables = new Dictionary<string, string> { ["PASSWORD"] = "hunter2-new" } });

        var diff = results.Single().Diff!;
        Assert.Contains(ManifestDiff.SecretDataChanged, diff, StringComparison.Ordinal);
        foreach (var secretText in (string[])["hunter2", Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2-old")), Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2-new"))])
            Assert.DoesNotContain(secretText, diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_secret_keeps_its_data_out_of_the_error()
    {
        var ns = await sandbox.NewNamespaceAsync("secret-rejected");
        var secret = $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: {ns}\nstringData:\n  password: hunter2-rejected\nunknownField: x\n";

        var error = await Assert.ThrowsAsync<KubernetesApplyException>(() => ApplyAsync(sandbox.Admin, secret));

        Assert.Equal(KubernetesApplyFailure.Rejected, error.Failure);
        Assert.Contains("unknownField", error.Message, StringComparison.Ordinal);
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            Assert.IsNotType<k8s.Autorest.HttpOperationException>(e);
            Assert.DoesNotContain("hunter2", e.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_missing_namespace_fails_before_anything_is_applied()
    {
        var ns = sandbox.UniqueName("absent");
        var present = await sandbox.NewNamespaceAsync("present");

        var error = await Assert.ThrowsAsync<KubernetesApplyException>(() => ApplyAsync(sandbox.Admin, ConfigMap(present) + "\n---\n" + Deployment(ns)));

        Assert.Equal(KubernetesApplyFailure.NamespaceNotFound, error.Failure);
        Assert.Contains($"the namespace {ns} does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was applied", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain((await sandbox.Admin.CoreV1.ListNamespacedConfigMapAsync(present)).Items, c => c.Metadata.Name == "settings");
    }

    [Fact]
    public async Task The_read_only_credentials_are_forbidden_and_the_error_says_nothing_was_applied()
    {
        var ns = await sandbox.NewNamespaceAsync("readonly");

        var error = await Assert.ThrowsAsync<KubernetesApplyException>(() => ApplyAsync(sandbox.ReadOnly, ConfigMap(ns)));

        Assert.Equal(KubernetesApplyFailure.Forbidden, error.Failure);
        Assert.Equal(403, error.StatusCode);
        Assert.Contains("ConfigMap", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was applied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_half_way_names_what_was_applied_and_what_was_not()
    {
        var ns = await sandbox.NewNamespaceAsync("halfway");
        // The Service's name is not a DNS-1035 label: the second object of three is rejected (422).
        var badService = Service(ns, "Bad_Name");
        var text = ConfigMap(ns) + "\n---\n" + badService + "\n---\n" + Deployment(ns);

        var error = await Assert.ThrowsAsync<KubernetesApplyException>(() => ApplyAsync(sandbox.Admin, text));

        Assert.Equal(KubernetesApplyFailure.Rejected, error.Failure);
        Assert.Equal("settings", Assert.Single(error.Applied).Name);
        Assert.Equal(["Service", "Deployment"], error.NotApplied.Select(m => m.Kind));
        Assert.Contains($"Applied before it: ConfigMap {ns}/settings (Created)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"not applied: Service {ns}/Bad_Name, Deployment {ns}/web", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_kind_names_file_line_and_kind_before_anything_is_applied()
    {
        var ns = await sandbox.NewNamespaceAsync("unknown");
        var text = ConfigMap(ns) + $"\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: web\n  namespace: {ns}\n";

        var error = await Assert.ThrowsAsync<ManifestException>(() => ApplyAsync(sandbox.Admin, text));

        Assert.Equal(ManifestProblem.KindUnknown, error.Problem);
        Assert.Equal(9, error.Source!.Line);
        Assert.Contains("unknown kind Deploymnet", error.Message, StringComparison.Ordinal);
        Assert.Contains("Deployment", error.Message, StringComparison.Ordinal);
        Assert.Empty((await sandbox.Admin.CoreV1.ListNamespacedConfigMapAsync(ns)).Items);
    }

    [Fact]
    public async Task An_unknown_api_version_is_an_unknown_kind()
    {
        var error = await Assert.ThrowsAsync<ManifestException>(() =>
            ApplyAsync(sandbox.Admin, "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"));

        Assert.Equal(ManifestProblem.KindUnknown, error.Problem);
        Assert.Contains("no apiVersion example.com/v1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_api_server_is_named()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var client = sandbox.Clients.Get(new KubernetesTarget(sandbox.Server.KubeconfigPath, null, $"https://127.0.0.1:{port}", false, TimeSpan.FromSeconds(5), "test"));

        var error = await Assert.ThrowsAsync<KubernetesApplyException>(() => ApplyAsync(client, ConfigMap("default")));

        Assert.Equal(KubernetesApplyFailure.Unreachable, error.Failure);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_is_unauthorized()
    {
        var kubeconfig = _files.File("refused.kubeconfig", (await File.ReadAllTextAsync(sandbox.Server.KubeconfigPath))
            .Replace("token: ", "token: refused-", StringComparison.Ordinal));
        var client = sandbox.Clients.Get(new KubernetesTarget(kubeconfig, null, null, false, TimeSpan.FromSeconds(5), "test"));

        var error = await Assert.ThrowsAsync<KubernetesApplyException>(() => ApplyAsync(client, ConfigMap("default")));

        Assert.Equal(KubernetesApplyFailure.Unauthorized, error.Failure);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("credentials are missing, expired or refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_server_that_never_answers_is_a_timeout_within_the_request_timeout()
    {
        await using var stalled = new FaultServer(Fault.NeverAnswer);
        var client = sandbox.Clients.Get(new KubernetesTarget(sandbox.Server.KubeconfigPath, null, $"http://127.0.0.1:{stalled.Port}", false, TimeSpan.FromSeconds(5), "test"));

        var error = await Assert.ThrowsAsync<KubernetesApplyException>(() =>
            ApplyAsync(client, ConfigMap("default"), new ManifestApplyOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) }));

        Assert.Equal(KubernetesApplyFailure.Timeout, error.Failure);
        Assert.Contains("did not answer within 0.2 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Objects_without_a_namespace_go_to_the_context_namespace_and_may_name_another()
    {
        var contextNamespace = await sandbox.NewNamespaceAsync("context");
        var other = await sandbox.NewNamespaceAsync("other");
        var kubeconfig = _files.File("context.kubeconfig", (await File.ReadAllTextAsync(sandbox.Server.KubeconfigPath))
            .Replace("namespace: default", $"namespace: {contextNamespace}", StringComparison.Ordinal));
        var target = new KubernetesTarget(kubeconfig, null, null, false, TimeSpan.FromSeconds(5), "test");
        var withoutNamespace = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: here\n";

        var found = sandbox.Clients.ContextNamespace(target);
        var results = await ApplyAsync(sandbox.Clients.Get(target), withoutNamespace + "---\n" + ConfigMap(other),
            new ManifestApplyOptions { DefaultNamespace = found! });
        var enforced = await Assert.ThrowsAsync<ManifestException>(() =>
            ApplyAsync(sandbox.Admin, withoutNamespace + "---\n" + ConfigMap(other), new ManifestApplyOptions { Namespace = contextNamespace }));

        Assert.Equal(contextNamespace, found);
        Assert.Equal([contextNamespace, other], results.Select(r => r.Namespace));
        Assert.Contains($"is in namespace {other}, not in {contextNamespace} given with -Namespace", enforced.Message, StringComparison.Ordinal);
    }

    private static string ToJson(string yaml)
    {
        var manifests = ManifestReader.Parse(yaml, "theirs.yaml", new ManifestReadOptions());
        return manifests.Single().Body.ToJsonString();
    }
}
