using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace OpsAutomation.Sandbox.Tests.Api;

/// <summary>The sandbox driven through KubernetesClient, the way the module drives a cluster.</summary>
[Collection(SandboxTests.Collection)]
public sealed class KubernetesClientTests(SandboxFixture sandbox)
{
    private readonly IKubernetes _client = sandbox.Client;

    private static V1ConfigMap ConfigMap(string name, string value, IDictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Data = new Dictionary<string, string> { ["value"] = value },
    };

    private static V1Deployment Deployment(string name, int replicas = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container { Name = "app", Image = "sample:1", Env = [new V1EnvVar { Name = "MODE", Value = "healthy" }] },
                        new V1Container { Name = "sidecar", Image = "proxy:1" },
                    ],
                },
            },
        },
    };

    [Fact]
    public async Task Created_objects_get_uid_creation_timestamp_and_resource_version_and_list_by_label()
    {
        var ns = await sandbox.NewNamespaceAsync("list");
        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "1", new Dictionary<string, string> { ["tier"] = "web" }), ns);
        await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b", "2", new Dictionary<string, string> { ["tier"] = "db" }), ns);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        var web = await _client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "tier in (web,cache)");
        Assert.Equal(["a"], web.Items.Select(i => i.Metadata.Name));
        var notWeb = await _client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "tier!=web");
        Assert.Equal(["b"], notWeb.Items.Select(i => i.Metadata.Name));
        var byName = await _client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name=b");
        Assert.Equal(["b"], byName.Items.Select(i => i.Metadata.Name));
        Assert.True(long.Parse(web.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) >=
            long.Parse(created.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_list_pages_with_limit_and_continue()
    {
        var ns = await sandbox.NewNamespaceAsync("pages");
        foreach (var name in new[] { "c1", "c2", "c3", "c4", "c5" })
        {
            await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name, name), ns);
        }

        var first = await _client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        var second = await _client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: first.Metadata.ContinueProperty);
        var last = await _client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: second.Metadata.ContinueProperty);

        Assert.Equal(["c1", "c2", "c3", "c4", "c5"], first.Items.Concat(second.Items).Concat(last.Items).Select(i => i.Metadata.Name));
        Assert.Equal(3, first.Metadata.RemainingItemCount);
        Assert.Null(last.Metadata.ContinueProperty);
    }

    [Fact]
    public async Task An_update_with_a_stale_resource_version_is_409_Conflict()
    {
        var ns = await sandbox.NewNamespaceAsync("conflict");
        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("cfg", "1"), ns);
        created.Data["value"] = "2";
        await _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "cfg", ns);

        created.Data["value"] = "3";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "cfg", ns));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"cfg","kind":"configmaps"},"code":409}""",
            error.Response.Content);
    }

    [Fact]
    public async Task Creating_twice_is_409_AlreadyExists_and_a_missing_object_is_404_NotFound()
    {
        var ns = await sandbox.NewNamespaceAsync("exists");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        var twice = await Assert.ThrowsAsync<HttpOperationException>(() => _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => _client.AppsV1.ReadNamespacedDeploymentAsync("nope", ns));

        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" already exists","reason":"AlreadyExists","details":{"name":"web","group":"apps","kind":"deployments"},"code":409}""",
            twice.Response.Content);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"nope\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}""",
            missing.Response.Content);
    }

    [Fact]
    public async Task A_watch_from_a_resource_version_sends_the_changes_after_it_in_order()
    {
        var ns = await sandbox.NewNamespaceAsync("watch");
        var first = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("w", "1"), ns);
        first.Data["value"] = "2";
        await _client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "w", ns);
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("w", ns);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<(WatchEventType, string)>();
        await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: first.Metadata.ResourceVersion,
            cancellationToken: timeout.Token))
        {
            events.Add((type, item.Data?["value"] ?? ""));
            if (type == WatchEventType.Deleted)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Modified, "2"), (WatchEventType.Deleted, "2")], events);
    }

    [Fact]
    public async Task A_watch_from_a_resource_version_replays_only_its_own_namespaces_changes()
    {
        var ns = await sandbox.NewNamespaceAsync("watch-own");
        var other = await sandbox.NewNamespaceAsync("watch-other");
        var first = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("w", "mine"), ns);
        await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("w", "theirs"), other);
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("w", ns);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<(WatchEventType, string, string)>();
        await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: first.Metadata.ResourceVersion,
            cancellationToken: timeout.Token))
        {
            events.Add((type, item.Metadata.NamespaceProperty, item.Data?["value"] ?? ""));
            if (type == WatchEventType.Deleted)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Deleted, ns, "mine")], events);
    }

    [Fact]
    public async Task A_watch_with_a_label_selector_sees_an_object_enter_as_ADDED_and_leave_as_DELETED()
    {
        var ns = await sandbox.NewNamespaceAsync("watch-selector");
        var start = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("m", "1"), ns);
        var labelled = await _client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"labels":{"tier":"web"}}}""", V1Patch.PatchType.MergePatch), "m", ns);
        var changed = await _client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"value":"2"}}""", V1Patch.PatchType.MergePatch), "m", ns);
        await _client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"labels":{"tier":"db"}}}""", V1Patch.PatchType.MergePatch), "m", ns);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<(WatchEventType, string)>();
        await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync(ns, labelSelector: "tier=web",
            resourceVersion: start.Metadata.ResourceVersion, cancellationToken: timeout.Token))
        {
            events.Add((type, item.Metadata.ResourceVersion));
            if (type == WatchEventType.Deleted)
            {
                break;
            }
        }

        Assert.Equal(3, events.Count);
        Assert.Equal((WatchEventType.Added, labelled.Metadata.ResourceVersion), events[0]);
        Assert.Equal((WatchEventType.Modified, changed.Metadata.ResourceVersion), events[1]);
        Assert.Equal(WatchEventType.Deleted, events[2].Item1);
    }

    [Fact]
    public async Task A_watch_with_allowWatchBookmarks_gets_bookmarks_at_the_last_resource_version()
    {
        var ns = await sandbox.NewNamespaceAsync("bookmark");
        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b", "1"), ns);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync(ns, allowWatchBookmarks: true,
            resourceVersion: created.Metadata.ResourceVersion, cancellationToken: timeout.Token))
        {
            Assert.Equal(WatchEventType.Bookmark, type);
            Assert.Equal(created.Metadata.ResourceVersion, item.Metadata.ResourceVersion);
            break;
        }
    }

    [Fact]
    public async Task A_watch_from_a_too_old_resource_version_gets_410_Expired_and_a_relist_recovers()
    {
        var ns = await sandbox.NewNamespaceAsync("expired");
        var first = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("old", "0"), ns);
        for (var i = 0; i <= SandboxFixture.WatchWindow; i++)
        {
            await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"n{i}", "x"), ns);
        }

        Exception? error = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var _ in _client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: first.Metadata.ResourceVersion,
            onError: e => error = e, cancellationToken: timeout.Token))
        {
            Assert.Fail("A too old watch sends no objects.");
        }
        var expired = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
        Assert.StartsWith($"too old resource version: {first.Metadata.ResourceVersion} (", expired.Status.Message, StringComparison.Ordinal);

        var relist = await _client.CoreV1.ListNamespacedConfigMapAsync(ns);
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("old", ns);
        await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: relist.Metadata.ResourceVersion,
            cancellationToken: timeout.Token))
        {
            Assert.Equal((WatchEventType.Deleted, "old"), (type, item.Metadata.Name));
            break;
        }
    }

    [Fact]
    public async Task A_strategic_merge_patch_merges_containers_and_env_by_name()
    {
        var ns = await sandbox.NewNamespaceAsync("smp");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);
        var patch = new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"sample:2","env":[{"name":"EXTRA","value":"1"}]}]}}}}""",
            V1Patch.PatchType.StrategicMergePatch);

        var patched = await _client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", ns);

        var containers = patched.Spec.Template.Spec.Containers;
        Assert.Equal(["app", "sidecar"], containers.Select(c => c.Name));
        Assert.Equal("sample:2", containers[0].Image);
        Assert.Equal(["MODE", "EXTRA"], containers[0].Env.Select(e => e.Name));
        Assert.Equal(2, patched.Metadata.Generation);
    }

    [Fact]
    public async Task Json_patch_and_merge_patch_apply_and_scale_changes_replicas()
    {
        var ns = await sandbox.NewNamespaceAsync("patch");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        await _client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""[{"op":"add","path":"/metadata/labels","value":{"team":"ops"}}]""", V1Patch.PatchType.JsonPatch), "web", ns);
        await _client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"metadata":{"annotations":{"note":"x"}}}""", V1Patch.PatchType.MergePatch), "web", ns);
        var scale = await _client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch), "web", ns);

        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal("ops", deployment.Metadata.Labels["team"]);
        Assert.Equal("x", deployment.Metadata.Annotations["note"]);
        Assert.Equal(4, scale.Spec.Replicas);
        Assert.Equal(4, deployment.Spec.Replicas);
        Assert.Equal("app=web", scale.Status.Selector);
    }

    [Fact]
    public async Task A_dry_run_create_stores_nothing()
    {
        var ns = await sandbox.NewNamespaceAsync("dry");

        var answer = await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("dry", "1"), ns, dryRun: "All");

        Assert.Equal("dry", answer.Metadata.Name);
        Assert.Empty((await _client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items);
    }

    [Fact]
    public async Task The_read_only_user_is_403_Forbidden_on_writes_and_no_token_is_401()
    {
        var ns = await sandbox.NewNamespaceAsync("rbac");
        using var viewer = sandbox.ClientFor(OpsAutomation.Sandbox.Hosting.Kubeconfig.ReadOnlyContext);

        await viewer.CoreV1.ListNamespacedConfigMapAsync(ns);
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => viewer.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("x", "1"), ns));
        using var anonymous = new Kubernetes(new KubernetesClientConfiguration
        {
            Host = sandbox.Server.BaseUri.ToString(),
            SslCaCerts = [sandbox.Server.CertificateAuthority],
        });
        var unauthorized = await Assert.ThrowsAsync<HttpOperationException>(() => anonymous.CoreV1.ListNamespacedConfigMapAsync(ns));

        Assert.Equal(
            $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps is forbidden: User \"sandbox-viewer\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"{{ns}}\"","reason":"Forbidden","details":{"kind":"configmaps"},"code":403}""",
            forbidden.Response.Content);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""",
            unauthorized.Response.Content);
    }

    [Fact]
    public async Task Deleting_an_owner_deletes_its_dependents_and_orphan_keeps_them()
    {
        var ns = await sandbox.NewNamespaceAsync("gc");
        var owner = await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);
        var kept = await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("kept"), ns);
        await _client.CoreV1.CreateNamespacedConfigMapAsync(Owned(ConfigMap("owned", "1"), owner), ns);
        await _client.CoreV1.CreateNamespacedConfigMapAsync(Owned(ConfigMap("orphan", "1"), kept), ns);

        await _client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns, propagationPolicy: "Background");
        await _client.AppsV1.DeleteNamespacedDeploymentAsync("kept", ns, propagationPolicy: "Orphan");

        var left = await _client.CoreV1.ListNamespacedConfigMapAsync(ns);
        var orphan = Assert.Single(left.Items);
        Assert.Equal("orphan", orphan.Metadata.Name);
        Assert.Null(orphan.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Deleting_a_namespace_removes_everything_in_it()
    {
        var ns = await sandbox.NewNamespaceAsync("gone");
        await _client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c", "1"), ns);
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("d"), ns);

        var terminating = await _client.CoreV1.DeleteNamespaceAsync(ns);

        Assert.Equal("Terminating", terminating.ObjectView<V1Namespace>().Status.Phase);
        Assert.DoesNotContain(ns, (await _client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name));
        Assert.Empty((await _client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}")).Items);
        Assert.Empty((await _client.AppsV1.ListDeploymentForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}")).Items);
    }

    [Fact]
    public async Task Events_are_selected_by_involved_object()
    {
        var ns = await sandbox.NewNamespaceAsync("events");
        foreach (var (name, pod) in new[] { ("e1", "a"), ("e2", "b") })
        {
            await _client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = name },
                InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = pod, NamespaceProperty = ns },
                Reason = "Started",
                Type = "Normal",
            }, ns);
        }

        var events = await _client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=Pod,involvedObject.name=b");

        Assert.Equal(["e2"], events.Items.Select(e => e.Metadata.Name));
    }

    [Fact]
    public async Task Pod_logs_serve_the_current_and_the_previous_run_of_a_container()
    {
        var ns = await sandbox.NewNamespaceAsync("logs");
        await _client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "sample:1" }, new V1Container { Name = "proxy", Image = "proxy:1" }] },
        }, ns);
        // The kubelet writes its own start line, the sample application its listening line; the test's lines come after them.
        Assert.True(await SandboxFixture.EventuallyAsync(async () => (await _client.CoreV1.ReadNamespacedPodAsync("p", ns)).Status.Phase == "Running"));
        sandbox.Server.Logs.Append(ns, "p", "app", "first run");
        sandbox.Server.Logs.Restart(ns, "p", "app");
        sandbox.Server.Logs.Append(ns, "p", "app", "second run");

        var current = await ReadLogAsync(ns, "app", previous: false);
        var previous = await ReadLogAsync(ns, "app", previous: true);
        var noContainer = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReadNamespacedPodLogAsync("p", ns));
        var noPrevious = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReadNamespacedPodLogAsync("p", ns, container: "proxy", previous: true));

        Assert.Equal("second run\n", current);
        Assert.Matches("^.* sandbox: container started \\(image sample:1\\)\n.* sample app listening on 127\\.0\\.0\\.1:[0-9]+\nfirst run\n$", previous);
        Assert.Contains("a container name must be specified for pod p, choose one of: [app proxy]", noContainer.Response.Content, StringComparison.Ordinal);
        Assert.Contains("previous terminated container \\\"proxy\\\" in pod \\\"p\\\" not found", noPrevious.Response.Content, StringComparison.Ordinal);
    }

    private async Task<string> ReadLogAsync(string ns, string container, bool previous)
    {
        using var stream = await _client.CoreV1.ReadNamespacedPodLogAsync("p", ns, container: container, previous: previous);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static V1ConfigMap Owned(V1ConfigMap configMap, V1Deployment owner)
    {
        configMap.Metadata.OwnerReferences =
            [new V1OwnerReference
            {
                ApiVersion = "apps/v1",
                Kind = "Deployment",
                Name = owner.Metadata.Name,
                Uid = owner.Metadata.Uid,
                BlockOwnerDeletion = true,
                Controller = true,
            }];
        return configMap;
    }
}
