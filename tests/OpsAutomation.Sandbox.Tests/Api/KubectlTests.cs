namespace OpsAutomation.Sandbox.Tests.Api;

/// <summary>The sandbox driven by the real kubectl through the kubeconfig it writes.</summary>
[Collection(SandboxTests.Collection)]
public sealed class KubectlTests(SandboxFixture sandbox)
{
    private readonly Kubectl _kubectl = new(sandbox.KubeconfigPath);

    private static string Deployment(string ns, string value) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
        spec:
          replicas: 2
          selector:
            matchLabels: {"{"}app: web{"}"}
          template:
            metadata:
              labels: {"{"}app: web{"}"}
            spec:
              containers:
              - name: web
                image: sample:1
                ports: [{"{"}containerPort: 8080{"}"}]
                env: [{"{"}name: MODE, value: "{value}"{"}"}]
        """;

    [Fact]
    public async Task Apply_creates_reports_unchanged_diffs_dry_runs_and_updates()
    {
        var ns = await sandbox.NewNamespaceAsync("apply");

        var created = await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");
        var again = await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");
        var diff = await _kubectl.RunAsync(Deployment(ns, "slow"), "diff", "-f", "-");
        var dryRun = await _kubectl.RunAsync(Deployment(ns, "slow"), "apply", "--dry-run=server", "-f", "-");
        var afterDryRun = await _kubectl.RunAsync(null, "get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value}");
        var updated = await _kubectl.RunAsync(Deployment(ns, "slow"), "apply", "-f", "-");
        var generation = await _kubectl.RunAsync(null, "get", "deployment", "web", "-n", ns, "-o", "jsonpath={.metadata.generation}");

        Assert.Equal((0, "deployment.apps/web created\n"), (created.ExitCode, created.Output));
        Assert.Equal((0, "deployment.apps/web unchanged\n"), (again.ExitCode, again.Output));
        Assert.Equal(1, diff.ExitCode);
        Assert.Contains("-          value: healthy", diff.Output, StringComparison.Ordinal);
        Assert.Contains("+          value: slow", diff.Output, StringComparison.Ordinal);
        Assert.Equal("deployment.apps/web configured (server dry run)\n", dryRun.Output);
        Assert.Equal("healthy", afterDryRun.Output);
        Assert.Equal("deployment.apps/web configured\n", updated.Output);
        Assert.Equal("2", generation.Output);
    }

    [Fact]
    public async Task Server_side_apply_creates_conflicts_with_another_manager_and_forces()
    {
        var ns = await sandbox.NewNamespaceAsync("kubectl-ssa");

        var created = await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "--server-side", "-f", "-");
        var again = await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "--server-side", "-f", "-");
        var diff = await _kubectl.RunAsync(Deployment(ns, "slow"), "diff", "--server-side", "-f", "-");
        var conflict = await _kubectl.RunAsync(Deployment(ns, "slow"), "apply", "--server-side", "--field-manager=other", "-f", "-");
        var forced = await _kubectl.RunAsync(Deployment(ns, "slow"), "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-");
        var value = await _kubectl.RunAsync(null, "get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value}");

        Assert.Equal((0, "deployment.apps/web serverside-applied\n"), (created.ExitCode, created.Output));
        Assert.Equal((0, "deployment.apps/web serverside-applied\n"), (again.ExitCode, again.Output));
        Assert.Equal(1, diff.ExitCode);
        Assert.Contains("+          value: slow", diff.Output, StringComparison.Ordinal);
        Assert.Equal(1, conflict.ExitCode);
        Assert.StartsWith("error: Apply failed with 1 conflict: conflict with \"kubectl\": .spec.template.spec.containers[name=\"web\"].env[name=\"MODE\"].value\n",
            conflict.Error, StringComparison.Ordinal);
        Assert.Equal((0, "deployment.apps/web serverside-applied\n"), (forced.ExitCode, forced.Output));
        Assert.Equal("slow", value.Output);
    }

    [Fact]
    public async Task Get_json_lists_and_get_watch_prints_a_new_object()
    {
        var ns = await sandbox.NewNamespaceAsync("get");
        await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");

        var list = await _kubectl.RunAsync(null, "get", "deployments", "-n", ns, "-o", "json");
        using var watch = _kubectl.Start(["get", "configmaps", "-n", ns, "-w", "-o", "name"]);
        try
        {
            // The watch prints nothing for an empty namespace; the object created after it starts is its first line.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await _kubectl.RunAsync($"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seen\n  namespace: {ns}\n", "apply", "-f", "-");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var line = await watch.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.Equal("configmap/seen", line);
        }
        finally
        {
            watch.Kill();
        }
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("\"kind\": \"List\"", list.Output, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"web\"", list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollout_status_set_image_history_undo_to_a_revision_restart_and_scale()
    {
        var ns = await sandbox.NewNamespaceAsync("rollout");
        await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");

        var first = await _kubectl.RunAsync(null, "rollout", "status", "deployment/web", "-n", ns, "--timeout=30s");
        var setImage = await _kubectl.RunAsync(null, "set", "image", "deployment/web", "web=sample:2", "-n", ns);
        var second = await _kubectl.RunAsync(null, "rollout", "status", "deployment/web", "-n", ns, "--timeout=30s");
        var history = await _kubectl.RunAsync(null, "rollout", "history", "deployment/web", "-n", ns);
        var undo = await _kubectl.RunAsync(null, "rollout", "undo", "deployment/web", "-n", ns, "--to-revision=1");
        var third = await _kubectl.RunAsync(null, "rollout", "status", "deployment/web", "-n", ns, "--timeout=30s");
        var image = await _kubectl.RunAsync(null, "get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}");
        var restart = await _kubectl.RunAsync(null, "rollout", "restart", "deployment/web", "-n", ns);
        var fourth = await _kubectl.RunAsync(null, "rollout", "status", "deployment/web", "-n", ns, "--timeout=30s");
        var scale = await _kubectl.RunAsync(null, "scale", "deployment/web", "-n", ns, "--replicas=3");
        var fifth = await _kubectl.RunAsync(null, "rollout", "status", "deployment/web", "-n", ns, "--timeout=30s");

        Assert.EndsWith("deployment \"web\" successfully rolled out\n", first.Output, StringComparison.Ordinal);
        Assert.Equal("deployment.apps/web image updated\n", setImage.Output);
        Assert.EndsWith("deployment \"web\" successfully rolled out\n", second.Output, StringComparison.Ordinal);
        Assert.Equal("deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n", history.Output);
        Assert.Equal("deployment.apps/web rolled back\n", undo.Output);
        Assert.EndsWith("deployment \"web\" successfully rolled out\n", third.Output, StringComparison.Ordinal);
        Assert.Equal("sample:1 3", image.Output);
        Assert.Equal("deployment.apps/web restarted\n", restart.Output);
        Assert.EndsWith("deployment \"web\" successfully rolled out\n", fourth.Output, StringComparison.Ordinal);
        Assert.Equal("deployment.apps/web scaled\n", scale.Output);
        Assert.EndsWith("deployment \"web\" successfully rolled out\n", fifth.Output, StringComparison.Ordinal);
        var pods = await _kubectl.RunAsync(null, "get", "pods", "-n", ns, "-l", "app=web", "--field-selector", "status.phase=Running", "-o", "name");
        Assert.Equal(3, pods.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Get_prints_the_servers_table_with_the_wide_columns_on_request()
    {
        var ns = await sandbox.NewNamespaceAsync("table");
        await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");

        var table = await _kubectl.RunAsync(null, "get", "deployments", "-n", ns);
        var wide = await _kubectl.RunAsync(null, "get", "deployment", "web", "-n", ns, "-o", "wide");

        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("NAME   READY   UP-TO-DATE   AVAILABLE   AGE", lines[0]);
        Assert.Matches(@"^web    [0-2]/2     [0-2]            [0-2]           \S+$", lines[1]);
        Assert.EndsWith("CONTAINERS   IMAGES     SELECTOR", wide.Output.Split('\n')[0], StringComparison.Ordinal);
        Assert.EndsWith("web          sample:1   app=web", wide.Output.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_create_sends_protobuf_and_the_objects_arrive_whole()
    {
        const string ns = "kubectl-create";

        var created = new[]
        {
            await _kubectl.RunAsync(null, "create", "namespace", ns),
            await _kubectl.RunAsync(null, "create", "deployment", "web", "--image=sample:1", "--replicas=2", "--port=8080", "-n", ns),
            await _kubectl.RunAsync(null, "create", "configmap", "cfg", "--from-literal=mode=healthy", "-n", ns),
            await _kubectl.RunAsync(null, "create", "secret", "generic", "token", "--from-literal=key=s3cr3t", "-n", ns),
            await _kubectl.RunAsync(null, "create", "service", "clusterip", "web", "--tcp=80:8080", "-n", ns),
        };
        var read = await _kubectl.RunAsync(null, "get", "deployment/web", "configmap/cfg", "secret/token", "service/web", "-n", ns, "-o",
            "jsonpath={.items[0].spec.replicas} {.items[0].spec.template.spec.containers[0].ports[0].containerPort} {.items[1].data.mode} {.items[2].type} {.items[2].data.key} {.items[3].spec.ports[0].targetPort}");
        var deleted = await _kubectl.RunAsync(null, "delete", "namespace", ns);

        Assert.Equal(
            [$"namespace/{ns} created\n", "deployment.apps/web created\n", "configmap/cfg created\n", "secret/token created\n", "service/web created\n"],
            created.Select(r => r.Output));
        Assert.Equal($"2 8080 healthy Opaque {Convert.ToBase64String("s3cr3t"u8)} 8080", read.Output);
        Assert.Equal((0, $"namespace \"{ns}\" deleted\n"), (deleted.ExitCode, deleted.Output));
    }

    [Fact]
    public async Task A_namespace_applied_then_deleted_takes_its_contents_with_it()
    {
        const string ns = "kubectl-ns";
        await _kubectl.RunAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-");
        await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");

        var deleted = await _kubectl.RunAsync(null, "delete", "namespace", ns);
        var gone = await _kubectl.RunAsync(null, "get", "namespace", ns);
        var contents = await _kubectl.RunAsync(null, "get", "deployments", "-A", "--field-selector", $"metadata.namespace={ns}", "-o", "name");

        Assert.Equal((0, $"namespace \"{ns}\" deleted\n"), (deleted.ExitCode, deleted.Output));
        Assert.Equal((1, $"Error from server (NotFound): namespaces \"{ns}\" not found\n"), (gone.ExitCode, gone.Error));
        Assert.Equal("", contents.Output);
    }

    [Fact]
    public async Task Delete_removes_a_deployment_and_says_so()
    {
        var ns = await sandbox.NewNamespaceAsync("delete");
        await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");

        var deleted = await _kubectl.RunAsync(null, "delete", "deployment", "web", "-n", ns);
        var again = await _kubectl.RunAsync(null, "delete", "deployment", "web", "-n", ns);

        Assert.Equal((0, "deployment.apps \"web\" deleted\n"), (deleted.ExitCode, deleted.Output));
        Assert.Equal((1, "Error from server (NotFound): deployments.apps \"web\" not found\n"), (again.ExitCode, again.Error));
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [\n",
        "error: error parsing STDIN: error converting YAML to JSON: yaml: line 5: did not find expected node content")]
    [InlineData("apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n",
        "error: resource mapping not found for name: \"x\" namespace: \"\" from \"STDIN\": no matches for kind \"Foo\" in version \"v1\"")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nfoo: 1\n",
        "Error from server (BadRequest): error when creating \"STDIN\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"foo\"")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
        "The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
    public async Task Bad_input_gets_the_real_servers_answer(string manifest, string expected)
    {
        var ns = await sandbox.NewNamespaceAsync("bad");

        var result = await _kubectl.RunAsync(manifest, "apply", "-n", ns, "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_deployment_selector_is_the_real_servers_field_is_immutable()
    {
        var ns = await sandbox.NewNamespaceAsync("immutable");
        await _kubectl.RunAsync(Deployment(ns, "healthy"), "apply", "-f", "-");

        var result = await _kubectl.RunAsync(Deployment(ns, "healthy").Replace("app: web", "app: other", StringComparison.Ordinal), "apply", "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "The Deployment \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n",
            result.Error);
    }

    [Fact]
    public async Task The_read_only_context_is_forbidden_to_apply()
    {
        var ns = await sandbox.NewNamespaceAsync("viewer");

        var result = await _kubectl.RunAsync(Deployment(ns, "healthy"), "--context", "sandbox-readonly", "apply", "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"Error from server (Forbidden): error when creating \"STDIN\": deployments.apps is forbidden: User \"sandbox-viewer\" cannot create resource \"deployments\" in API group \"apps\" in the namespace \"{ns}\"\n",
            result.Error);
    }
}
