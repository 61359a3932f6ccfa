using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// What the rollout, undo and history share about a Deployment: its ReplicaSets (those it controls,
/// as kubectl's deploymentutil finds them), template comparison ignoring pod-template-hash, and API
/// calls whose failures name what was being done.
/// </summary>
internal static class DeploymentObjects
{
    public const string PodTemplateHashLabel = "pod-template-hash";
    public const string ChangeCauseAnnotation = "kubernetes.io/change-cause";

    /// <summary>Runs an API call; a refusal or an unreachable server becomes a <see cref="DeploymentApiException"/> saying "could not <paramref name="what"/>".</summary>
    public static async Task<T> CallAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(what, ex) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>An API failure as a <see cref="DeploymentApiException"/> saying "could not <paramref name="what"/>"; null for any other exception.</summary>
    public static DeploymentApiException? Translate(string what, Exception exception) => exception switch
    {
        DeploymentApiException => null,
        HttpOperationException ex => new DeploymentApiException(
            $"Could not {what}: the API server answered {(int?)ex.Response?.StatusCode} {ex.Response?.ReasonPhrase}{StatusMessage(ex.Response?.Content)}",
            (int?)ex.Response?.StatusCode, ex),
        KubernetesException ex => new DeploymentApiException(
            $"Could not {what}: the API server answered {ex.Status?.Code} {ex.Status?.Reason}: {ex.Status?.Message}", ex.Status?.Code, ex),
        HttpRequestException ex => new DeploymentApiException($"Could not {what}: the API server cannot be reached: {ex.Message}", null, ex),
        _ => null,
    };

    /// <summary>The message of a Status body, when the body is one.</summary>
    private static string StatusMessage(string? body)
    {
        if (string.IsNullOrEmpty(body)) return "";
        try
        {
            return JsonNode.Parse(body)?["message"]?.GetValue<string>() is { Length: > 0 } message ? $": {message}" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    /// <summary>The Deployment; a missing one is a DeploymentApiException with StatusCode 404 naming it.</summary>
    public static Task<V1Deployment> ReadAsync(IKubernetes client, string name, string ns, CancellationToken cancellationToken) =>
        CallAsync($"read deployment {ns}/{name}", () => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken));

    /// <summary>The ReplicaSets <paramref name="deployment"/> controls, oldest first.</summary>
    public static async Task<IReadOnlyList<V1ReplicaSet>> ReplicaSetsAsync(IKubernetes client, V1Deployment deployment, CancellationToken cancellationToken)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var list = await CallAsync($"list the replica sets of deployment {ns}/{deployment.Metadata.Name}",
            () => client.AppsV1.ListNamespacedReplicaSetAsync(ns, labelSelector: Selector(deployment.Spec.Selector), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. list.Items
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == deployment.Metadata.Uid) == true)
            .OrderBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal)];
    }

    /// <summary>The ReplicaSet of the Deployment's current template (the oldest such, as the controller's FindNewReplicaSet); null when not made yet.</summary>
    public static V1ReplicaSet? NewReplicaSet(V1Deployment deployment, IEnumerable<V1ReplicaSet> replicaSets) =>
        replicaSets.FirstOrDefault(rs => EqualIgnoringHash(rs.Spec.Template, deployment.Spec.Template));

    /// <summary>A label selector as a query string: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).</summary>
    public static string Selector(V1LabelSelector? selector)
    {
        var parts = new List<string>();
        foreach (var (key, value) in selector?.MatchLabels ?? new Dictionary<string, string>()) parts.Add($"{key}={value}");
        foreach (var expression in selector?.MatchExpressions ?? [])
        {
            var values = string.Join(',', expression.Values ?? []);
            parts.Add(expression.OperatorProperty switch
            {
                "In" => $"{expression.Key} in ({values})",
                "NotIn" => $"{expression.Key} notin ({values})",
                "Exists" => expression.Key,
                "DoesNotExist" => $"!{expression.Key}",
                var other => throw new ArgumentException($"The label selector operator '{other}' of key '{expression.Key}' is not one Kubernetes knows."),
            });
        }
        return string.Join(',', parts);
    }

    /// <summary>The images of a template's containers, in order.</summary>
    public static IReadOnlyList<string> Images(V1PodTemplateSpec? template) =>
        [.. (template?.Spec?.Containers ?? []).Select(c => c.Image ?? "")];

    /// <summary>
    /// Whether two pod templates are the same apart from the pod-template-hash label, as kubectl's
    /// equalIgnoreHash (apimachinery's semantic equality: a missing and an empty map or list are equal).
    /// </summary>
    public static bool EqualIgnoringHash(V1PodTemplateSpec? left, V1PodTemplateSpec? right) =>
        string.Equals(Canonical(WithoutHash(left)), Canonical(WithoutHash(right)), StringComparison.Ordinal);

    /// <summary>A copy of <paramref name="template"/> as JSON without the pod-template-hash label.</summary>
    public static JsonNode? WithoutHash(V1PodTemplateSpec? template)
    {
        if (template is null) return null;
        var node = JsonNode.Parse(KubernetesJson.Serialize(template));
        (node?["metadata"]?["labels"] as JsonObject)?.Remove(PodTemplateHashLabel);
        return node;
    }

    /// <summary>JSON with sorted keys and without nulls, empty objects or empty arrays.</summary>
    private static string Canonical(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(Prune(node), text);
        return text.ToString();
    }

    private static JsonNode? Prune(JsonNode? node) => node switch
    {
        JsonObject o => o.Select(p => (p.Key, Value: Prune(p.Value))).Where(p => p.Value is not null).ToList() is { Count: > 0 } kept
            ? new JsonObject(kept.Select(p => KeyValuePair.Create(p.Key, p.Value)))
            : null,
        JsonArray a => a.Count == 0 ? null : new JsonArray([.. a.Select(item => Prune(item) ?? JsonValue.Create((string?)null))]),
        JsonValue v => v.DeepClone(),
        _ => null,
    };

    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case JsonObject o:
                text.Append('{');
                foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(JsonSerializer.Serialize(key)).Append(':');
                    Write(value, text);
                    text.Append(',');
                }
                text.Append('}');
                break;
            case JsonArray a:
                text.Append('[');
                foreach (var item in a)
                {
                    Write(item, text);
                    text.Append(',');
                }
                text.Append(']');
                break;
            default:
                text.Append(node?.ToJsonString() ?? "null");
                break;
        }
    }
}
