using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using OpsAutomation.Core.Kubernetes;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>
/// Objects of any kind through KubernetesClient's generic (custom objects) operations, which reach the
/// core group too (an empty group is /api/v1): discovery, get and server-side apply. Every call has its
/// own deadline; failures become <see cref="KubernetesApplyException"/>s with the server's reason.
/// </summary>
internal sealed partial class DynamicObjects(IKubernetes client, TimeSpan requestTimeout)
{
    private const string StrictValidation = "Strict";

    /// <summary>The group version's APIResourceList; null when the server serves no such group version.</summary>
    public async Task<JsonObject?> DiscoverAsync(string group, string version, CancellationToken cancellationToken)
    {
        // An empty plural lists /apis/<group>/<version>/ itself: the discovery document (the server ignores the trailing slash).
        return await CallAsync($"discovering {(group.Length == 0 ? version : group + "/" + version)}", notFoundIsNull: true, token =>
            client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(group, version, "", cancellationToken: token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The live object; null when it does not exist.</summary>
    public Task<JsonObject?> GetAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken) =>
        CallAsync($"reading {resource.Kind} {Display(ns, name)}", notFoundIsNull: true, token => ns is null
            ? client.CustomObjects.GetClusterCustomObjectWithHttpMessagesAsync(resource.Group, resource.Version, resource.Plural, name, cancellationToken: token)
            : client.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync(resource.Group, resource.Version, ns, resource.Plural, name, cancellationToken: token),
            cancellationToken);

    /// <summary>Server-side apply (application/apply-patch+yaml; JSON is YAML) under <paramref name="fieldManager"/>, with strict field validation.</summary>
    public async Task<JsonObject> ApplyAsync(ApiResource resource, string? ns, string name, JsonObject body, string fieldManager, bool force, bool dryRun,
        CancellationToken cancellationToken)
    {
        var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch);
        var dry = dryRun ? "All" : null;
        var applied = await CallAsync($"applying {resource.Kind} {Display(ns, name)}", notFoundIsNull: false, token => ns is null
            ? client.CustomObjects.PatchClusterCustomObjectWithHttpMessagesAsync(patch, resource.Group, resource.Version, resource.Plural, name,
                dry, fieldManager, StrictValidation, force, cancellationToken: token)
            : client.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync(patch, resource.Group, resource.Version, ns, resource.Plural, name,
                dry, fieldManager, StrictValidation, force, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        return applied!;
    }

    private async Task<JsonObject?> CallAsync(string what, bool notFoundIsNull, Func<CancellationToken, Task<HttpOperationResponse<object>>> call,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(requestTimeout);
        try
        {
            using var response = await call(deadline.Token).ConfigureAwait(false);
            return response.Body switch
            {
                JsonElement { ValueKind: JsonValueKind.Object } element => JsonNode.Parse(element.GetRawText()) as JsonObject,
                _ => throw new KubernetesApplyException(KubernetesApplyFailure.Rejected, $"{what}: the server's answer is not an object"),
            };
        }
        catch (HttpOperationException ex) when (notFoundIsNull && ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException ex)
        {
            // Not kept as the inner exception: it holds the request's body, a Secret's data included.
            throw FromStatus(what, KubernetesStatus.FromError(ex), inner: null);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Our deadline, or the client's own backstop behind it.
            throw new KubernetesApplyException(KubernetesApplyFailure.Timeout,
                $"{what}: the API server {client.BaseUri.Authority} did not answer within {requestTimeout.TotalSeconds:0.###} s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new KubernetesApplyException(KubernetesApplyFailure.Unreachable,
                $"{what}: the API server {client.BaseUri.Authority} cannot be reached: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    /// <summary>A failure Status as a typed failure: conflicts with their fields and managers, credentials, a missing namespace, a rejection.</summary>
    internal static KubernetesApplyException FromStatus(string what, KubernetesStatus status, Exception? inner)
    {
        var message = status.Message ?? status.Reason ?? "no reason given";
        var conflicts = status.Causes.Where(c => c.Reason == "FieldManagerConflict")
            .Select(c => new FieldConflict(c.Field ?? "(unnamed field)", ManagerOf(c.Message))).ToList();
        if (status.Code == 409 && conflicts.Count > 0)
        {
            var fields = string.Join("; ", conflicts.GroupBy(c => c.Manager).Select(g => $"{string.Join(", ", g.Select(c => c.Field))} owned by {g.Key}"));
            return new KubernetesApplyException(KubernetesApplyFailure.Conflict,
                $"{what}: {conflicts.Count} field(s) conflict with other field managers: {fields}. Another client changed them since this manifest set them; " +
                "apply with -Force to take them over, or change the manifest to agree", inner, conflicts, status.Code);
        }
        var (failure, hint) = status.Code switch
        {
            401 => (KubernetesApplyFailure.Unauthorized, ": the credentials are missing, expired or refused (check the kubeconfig's user)"),
            403 => (KubernetesApplyFailure.Forbidden, ": the credentials are not allowed to do this (RBAC)"),
            404 when status.DetailsKind == "namespaces" => (KubernetesApplyFailure.NamespaceNotFound,
                $": create the namespace {status.DetailsName} first, or add a Namespace manifest"),
            _ => (KubernetesApplyFailure.Rejected, ""),
        };
        return new KubernetesApplyException(failure, $"{what}: HTTP {status.Code} {status.Reason}: {message}{hint}", inner, statusCode: status.Code);
    }

    // "conflict with \"kubectl\"" or "conflict with \"kubectl-client-side-apply\" using apps/v1", as apimachinery writes the cause.
    [GeneratedRegex("^conflict with (?<manager>\".*)$")]
    private static partial Regex ConflictMessage();

    private static string ManagerOf(string? message) =>
        message is not null && ConflictMessage().Match(message) is { Success: true } match ? match.Groups["manager"].Value : message ?? "(unnamed manager)";

    private static string Display(string? ns, string name) => ns is null ? name : $"{ns}/{name}";
}
