using System.Globalization;
using System.Text.Json.Nodes;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>Reading the parts of objects controllers share: owners, selectors, pod readiness.</summary>
public static class Objects
{
    /// <summary>The ownerReference with controller: true, if any.</summary>
    public static JsonObject? ControllerOf(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(r => r["controller"]?.GetValue<bool>() == true);

    /// <summary>An ownerReference to <paramref name="owner"/> as its controller, as the workload controllers write it.</summary>
    public static JsonObject ControllerReference(StoredObject owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new JsonObject
        {
            ["apiVersion"] = owner.Type.ApiVersion,
            ["kind"] = owner.Type.Kind,
            ["name"] = owner.Name,
            ["uid"] = owner.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };
    }

    /// <summary>A LabelSelector (matchLabels, matchExpressions) as the labelSelector text the API takes.</summary>
    public static string SelectorText(JsonNode? selector)
    {
        var parts = (selector?["matchLabels"] as JsonObject ?? []).Select(p => $"{p.Key}={p.Value}").ToList();
        foreach (var expression in (selector?["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = expression["key"]?.GetValue<string>();
            var values = string.Join(',', (expression["values"] as JsonArray ?? []).Select(v => v?.ToString()));
            parts.Add(expression["operator"]?.GetValue<string>() switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => $"{key}",
                _ => $"!{key}",
            });
        }
        return string.Join(',', parts);
    }

    /// <summary>A pod counts toward its controller until it is terminating or has finished.</summary>
    public static bool IsActive(JsonObject pod) =>
        pod["metadata"]?["deletionTimestamp"] is null && Phase(pod) is not ("Succeeded" or "Failed");

    public static string? Phase(JsonObject pod) => pod["status"]?["phase"]?.GetValue<string>();

    /// <summary>When the pod's Ready condition turned True; null while it is not ready.</summary>
    public static DateTimeOffset? ReadySince(JsonObject pod)
    {
        var ready = (pod["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "Ready");
        if (ready?["status"]?.GetValue<string>() != "True")
        {
            return null;
        }
        return DateTimeOffset.TryParse(ready["lastTransitionTime"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            ? since : DateTimeOffset.MinValue;
    }

    /// <summary>Ready for at least <paramref name="minReadySeconds"/>: what Available means for a workload.</summary>
    public static bool IsAvailable(JsonObject pod, int minReadySeconds, DateTimeOffset now) =>
        ReadySince(pod) is { } since && (minReadySeconds == 0 || since + TimeSpan.FromSeconds(minReadySeconds) <= now);

    public static int Number(JsonNode? node, int fallback = 0) =>
        node is null ? fallback : int.Parse(node.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    public static DateTimeOffset Created(JsonObject obj) =>
        DateTimeOffset.Parse(obj["metadata"]!["creationTimestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
