using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace OpsAutomation.Sandbox.Tests.Api;

/// <summary>Server-side apply through KubernetesClient, as the module's apply step will use it.</summary>
[Collection(SandboxTests.Collection)]
public sealed class ServerSideApplyTests(SandboxFixture sandbox)
{
    private readonly IKubernetes _client = sandbox.Client;

    private static V1Patch Applied(string ns, int replicas, string image, string? label = null)
    {
        var metadata = new JsonObject { ["name"] = "web", ["namespace"] = ns };
        if (label is not null)
        {
            metadata["labels"] = new JsonObject { [label] = "yes" };
        }
        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = JsonNode.Parse("""{"matchLabels":{"app":"web"}}"""),
                ["template"] = new JsonObject
                {
                    ["metadata"] = JsonNode.Parse("""{"labels":{"app":"web"}}"""),
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = image }) },
                },
            },
        };
        return new V1Patch(deployment.ToJsonString(), V1Patch.PatchType.ApplyPatch);
    }

    [Fact]
    public async Task Apply_creates_merges_records_the_manager_and_removes_what_it_stops_applying()
    {
        var ns = await sandbox.NewNamespaceAsync("ssa");

        var created = await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 2, "sample:1", label: "team"), "web", ns, fieldManager: "ops");
        var updated = await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 2, "sample:2"), "web", ns, fieldManager: "ops");

        Assert.Equal("yes", created.Metadata.Labels["team"]);
        var entry = Assert.Single(updated.Metadata.ManagedFields, m => m.Manager == "ops");
        Assert.Equal(("ops", "Apply", "apps/v1"), (entry.Manager, entry.Operation, entry.ApiVersion));
        Assert.Equal("sample:2", updated.Spec.Template.Spec.Containers[0].Image);
        Assert.Null(updated.Metadata.Labels);
        Assert.Equal(2, updated.Metadata.Generation);
    }

    [Fact]
    public async Task Applying_the_same_configuration_again_writes_nothing()
    {
        var ns = await sandbox.NewNamespaceAsync("ssa-noop");
        var first = await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 1, "sample:1"), "web", ns, fieldManager: "ops");
        // The controllers write the status; wait until they are done so only the apply could change the object.
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status?.AvailableReplicas == 1));
        var settled = await _client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);

        var again = await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 1, "sample:1"), "web", ns, fieldManager: "ops");
        var changed = await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 1, "sample:2"), "web", ns, fieldManager: "ops");

        Assert.Equal(settled.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
        Assert.Equal(Assert.Single(settled.Metadata.ManagedFields, m => m.Manager == "ops").Time,
            Assert.Single(again.Metadata.ManagedFields, m => m.Manager == "ops").Time);
        Assert.NotEqual(again.Metadata.ResourceVersion, changed.Metadata.ResourceVersion);
        Assert.Equal(first.Metadata.Generation + 1, changed.Metadata.Generation);
    }

    [Fact]
    public async Task Applying_another_managers_field_is_409_FieldManagerConflict_until_forced()
    {
        var ns = await sandbox.NewNamespaceAsync("ssa-conflict");
        await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 2, "sample:1"), "web", ns, fieldManager: "first");

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 3, "sample:1"), "web", ns, fieldManager: "second"));
        var forced = await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 3, "sample:1"), "web", ns, fieldManager: "second", force: true);

        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"first\": .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"first\"","field":".spec.replicas"}]},"code":409}""",
            conflict.Response.Content);
        Assert.Equal(3, forced.Spec.Replicas);
        var first = forced.Metadata.ManagedFields.Single(m => m.Manager == "first");
        Assert.DoesNotContain("f:replicas", first.FieldsV1.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_field_set_by_an_update_conflicts_with_its_manager_using_the_api_version()
    {
        var ns = await sandbox.NewNamespaceAsync("ssa-update");
        await _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 2, "sample:1"), "web", ns, fieldManager: "deployer");
        await _client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":5}}""", V1Patch.PatchType.MergePatch),
            "web", ns, fieldManager: "autoscaler");

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.AppsV1.PatchNamespacedDeploymentAsync(Applied(ns, 2, "sample:2"), "web", ns, fieldManager: "deployer"));

        Assert.Contains("""Apply failed with 1 conflict: conflict with \"autoscaler\" with subresource \"scale\" using apps/v1: .spec.replicas""",
            conflict.Response.Content, StringComparison.Ordinal);
    }
}
