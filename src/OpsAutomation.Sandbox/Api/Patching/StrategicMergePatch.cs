using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api.Patching;

/// <summary>
/// Strategic merge patch (application/strategic-merge-patch+json) as k8s.io/apimachinery's
/// strategicpatch does it for the common cases: lists whose schema says x-kubernetes-patch-strategy
/// merge are merged by their x-kubernetes-patch-merge-key (containers and volumes by name, ports by
/// containerPort, env by name ...), primitive merge lists (finalizers) are unions, "$patch": "delete" /
/// "replace" and $deleteFromPrimitiveList are honoured, $setElementOrder and $retainKeys are read as
/// the directives they are and not stored. The strategies come from the served OpenAPI schemas.
/// </summary>
public sealed class StrategicMergePatch(OpenApiDocuments openApi)
{
    private const string Directive = "$patch";

    public JsonObject Apply(ResourceType type, JsonObject original, JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(original);
        if (patch is not JsonObject patchObject)
        {
            throw ApiStatus.BadRequest("json: cannot unmarshal array into Go value of type map[string]interface {}").AsException();
        }
        return MergeObject(original.DeepClone().AsObject(), patchObject, openApi.SchemaOf(type));
    }

    private JsonObject MergeObject(JsonObject target, JsonObject patch, JsonObject? schema)
    {
        if (patch[Directive]?.GetValue<string>() == "replace")
        {
            var replacement = patch.DeepClone().AsObject();
            replacement.Remove(Directive);
            return replacement;
        }
        foreach (var (key, value) in patch)
        {
            if (key == Directive || key == "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                continue;
            }
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var listName = key["$deleteFromPrimitiveList/".Length..];
                if (target[listName] is JsonArray list && value is JsonArray removed)
                {
                    foreach (var item in list.Where(i => removed.Any(r => JsonNode.DeepEquals(r, i))).ToList())
                    {
                        list.Remove(item);
                    }
                }
                continue;
            }
            var property = schema?["properties"]?[key];
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject child && child[Directive]?.GetValue<string>() == "delete")
            {
                target.Remove(key);
            }
            else if (value is JsonObject childPatch && target[key] is JsonObject childTarget)
            {
                target[key] = MergeObject(childTarget, childPatch, openApi.Resolve(property));
            }
            else if (value is JsonArray listPatch && target[key] is JsonArray listTarget && IsMergeList(property))
            {
                target[key] = MergeList(listTarget, listPatch, property!);
            }
            else
            {
                target[key] = Strip(value.DeepClone());
            }
        }
        return target;
    }

    private static bool IsMergeList(JsonNode? property) =>
        property?["x-kubernetes-patch-strategy"]?.GetValue<string>().Split(',').Contains("merge") == true;

    private JsonArray MergeList(JsonArray target, JsonArray patch, JsonNode property)
    {
        var mergeKey = property["x-kubernetes-patch-merge-key"]?.GetValue<string>();
        var result = (JsonArray)target.DeepClone();
        if (mergeKey is null)
        {
            foreach (var item in patch.Where(p => !result.Any(r => JsonNode.DeepEquals(r, p))))
            {
                result.Add(item?.DeepClone());
            }
            return result;
        }
        var itemSchema = openApi.Resolve(property["items"]);
        foreach (var item in patch.OfType<JsonObject>())
        {
            var key = item[mergeKey];
            var match = result.OfType<JsonObject>().FirstOrDefault(r => JsonNode.DeepEquals(r[mergeKey], key));
            if (item[Directive]?.GetValue<string>() == "delete")
            {
                if (match is not null)
                {
                    result.Remove(match);
                }
            }
            else if (match is not null)
            {
                var index = result.IndexOf(match);
                result[index] = MergeObject((JsonObject)match.DeepClone(), item, itemSchema);
            }
            else
            {
                result.Add(Strip(item.DeepClone()));
            }
        }
        return result;
    }

    /// <summary>Directives never reach the stored object, also where a patch adds a whole new subtree.</summary>
    private static JsonNode? Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList())
                {
                    o.Remove(key);
                }
                foreach (var child in o.Select(p => p.Value).ToList())
                {
                    Strip(child);
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Strip(child);
                }
                break;
        }
        return node;
    }
}
