using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace OpsAutomation.Core.Deployment.Strategies;

/// <summary>
/// The few typed reads and writes the strategies make: server-side apply of a Deployment or a
/// Service under the module's field manager, a scale through the /scale subresource, a delete.
/// </summary>
internal static class ClusterObjects
{
    /// <summary>The module's field manager for server-side apply: the apply step's.</summary>
    public const string FieldManager = Manifests.ManifestApplyOptions.DefaultFieldManager;

    /// <summary>
    /// The field manager of replica counts a strategy sets (canary steps, a scale-down). Kept apart
    /// from <see cref="FieldManager"/> so that re-applying the manifests later does not take the
    /// stable replicas back in the middle of a step, and agrees with them once they are restored.
    /// </summary>
    public const string ScaleManager = "opsautomation-strategy";

    public static async Task<V1Deployment?> GetDeploymentAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try { return await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false); }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    public static async Task<V1Service?> GetServiceAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try { return await client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false); }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    public static Task<V1Deployment> ApplyAsync(IKubernetes client, V1Deployment deployment, string fieldManager, CancellationToken cancellationToken)
    {
        deployment.ApiVersion = "apps/v1";
        deployment.Kind = "Deployment";
        deployment.Status = null;
        return client.AppsV1.PatchNamespacedDeploymentAsync(ApplyPatch(deployment), deployment.Name(), deployment.Namespace(),
            fieldManager: fieldManager, force: true, cancellationToken: cancellationToken);
    }

    public static Task<V1Service> ApplyAsync(IKubernetes client, V1Service service, string fieldManager, CancellationToken cancellationToken)
    {
        service.ApiVersion = "v1";
        service.Kind = "Service";
        service.Status = null;
        return client.CoreV1.PatchNamespacedServiceAsync(ApplyPatch(service), service.Name(), service.Namespace(),
            fieldManager: fieldManager, force: true, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// True when applying <paramref name="desired"/> over <paramref name="live"/> would change its spec: a
    /// server-side dry run that keeps the generation changes nothing. <paramref name="desired"/> is not modified.
    /// </summary>
    public static async Task<bool> WouldChangeAsync(IKubernetes client, V1Deployment desired, V1Deployment live, string fieldManager, CancellationToken cancellationToken)
    {
        var probe = KubernetesJson.Deserialize<V1Deployment>(KubernetesJson.Serialize(desired));
        probe.ApiVersion = "apps/v1";
        probe.Kind = "Deployment";
        probe.Status = null;
        var dryRun = await client.AppsV1.PatchNamespacedDeploymentAsync(ApplyPatch(probe), live.Name(), live.Namespace(),
            dryRun: "All", fieldManager: fieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        return dryRun.Metadata.Generation != live.Metadata.Generation;
    }

    public static Task<V1Scale> ScaleAsync(IKubernetes client, string ns, string name, int replicas, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(JsonSerializer.Serialize(new { spec = new { replicas } }), V1Patch.PatchType.MergePatch);
        return client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, name, ns, fieldManager: ScaleManager, cancellationToken: cancellationToken);
    }

    /// <summary>Deletes a Deployment and, in the background, its ReplicaSets and pods; a Deployment already gone is fine.</summary>
    public static async Task DeleteDeploymentAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.AppsV1.DeleteNamespacedDeploymentAsync(name, ns, new V1DeleteOptions { PropagationPolicy = "Background" },
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    // An apply body is the object with only the fields its manager wants to own: no status, no server-set metadata.
    private static V1Patch ApplyPatch<T>(T value) where T : IMetadata<V1ObjectMeta>
    {
        var metadata = value.Metadata;
        metadata.ResourceVersion = null;
        metadata.Uid = null;
        metadata.CreationTimestamp = null;
        metadata.Generation = null;
        metadata.ManagedFields = null;
        return new V1Patch(KubernetesJson.Serialize(value), V1Patch.PatchType.ApplyPatch);
    }
}
