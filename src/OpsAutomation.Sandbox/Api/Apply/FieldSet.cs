using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api.Apply;

/// <summary>
/// The leaf fields of an object as server-side apply tracks them (structured-merge-diff's field
/// paths): "f:name" for a field, "k:{...}" for an element of a keyed list (containers by name,
/// ports by containerPort and protocol), "v:..." for a member of a set, "." for an element itself;
/// an atomic list or a scalar is one leaf. Each path keeps the value it has in the object read, so
/// that a conflict is found only where a value would change. The list shapes come from the schemas.
/// </summary>
public sealed class FieldSet
{
    internal const char Separator = '\u001f';

    /// <summary>Fields the server owns or that name the object: never in anyone's set.</summary>
    private static readonly string[] IgnoredMetadata =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "managedFields", "selfLink"];

    private readonly Dictionary<string, JsonNode?> _leaves;

    private FieldSet(Dictionary<string, JsonNode?> leaves) => _leaves = leaves;

    public IReadOnlyCollection<string> Paths => _leaves.Keys;

    public int Count => _leaves.Count;

    public bool Contains(string path) => _leaves.ContainsKey(path);

    public JsonNode? ValueAt(string path) => _leaves.GetValueOrDefault(path);

    public static FieldSet Empty { get; } = new([]);

    /// <summary>The leaves of <paramref name="obj"/>: all of it but status, or the status alone.</summary>
    public static FieldSet Of(JsonObject obj, JsonObject? schema, OpenApiDocuments openApi, bool statusOnly = false)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(openApi);
        var leaves = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" || (key == "status") != statusOnly)
            {
                continue;
            }
            var child = value;
            if (key == "metadata" && value is JsonObject metadata)
            {
                var kept = metadata.DeepClone().AsObject();
                foreach (var ignored in IgnoredMetadata)
                {
                    kept.Remove(ignored);
                }
                if (kept.Count == 0)
                {
                    continue;
                }
                child = kept;
            }
            Walk(child, openApi.Resolve(schema?["properties"]?[key]), schema?["properties"]?[key], $"f:{key}", leaves, openApi);
        }
        return new FieldSet(leaves);
    }

    /// <summary>Reads a managedFields entry's fieldsV1 tree.</summary>
    public static FieldSet FromFieldsV1(JsonNode? tree)
    {
        var leaves = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        void Read(JsonObject node, string prefix)
        {
            foreach (var (key, child) in node)
            {
                var path = prefix.Length == 0 ? key : prefix + Separator + key;
                if (child is JsonObject { Count: > 0 } inner)
                {
                    Read(inner, path);
                }
                else
                {
                    leaves[path] = null;
                }
            }
        }
        if (tree is JsonObject root)
        {
            Read(root, "");
        }
        return new FieldSet(leaves);
    }

    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        foreach (var path in _leaves.Keys.OrderBy(p => p, StringComparer.Ordinal))
        {
            var node = root;
            foreach (var element in path.Split(Separator))
            {
                if (node[element] is not JsonObject next)
                {
                    next = [];
                    node[element] = next;
                }
                node = next;
            }
        }
        return root;
    }

    public FieldSet Without(IEnumerable<string> paths)
    {
        var copy = new Dictionary<string, JsonNode?>(_leaves, StringComparer.Ordinal);
        foreach (var path in paths)
        {
            copy.Remove(path);
        }
        return new FieldSet(copy);
    }

    public FieldSet With(FieldSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var copy = new Dictionary<string, JsonNode?>(_leaves, StringComparer.Ordinal);
        foreach (var (path, value) in other._leaves)
        {
            copy[path] = value;
        }
        return new FieldSet(copy);
    }

    /// <summary>A path as the server prints it in conflicts: .spec.template.spec.containers[name="web"].image.</summary>
    public static string Display(string path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var element in path.Split(Separator))
        {
            if (element.StartsWith("f:", StringComparison.Ordinal))
            {
                text.Append('.').Append(element[2..]);
            }
            else if (element.StartsWith("k:", StringComparison.Ordinal))
            {
                var key = JsonNode.Parse(element[2..])!.AsObject();
                text.Append('[').AppendJoin(',', key.Select(p => $"{p.Key}={p.Value!.ToJsonString()}")).Append(']');
            }
            else if (element.StartsWith("v:", StringComparison.Ordinal))
            {
                text.Append("[=").Append(element[2..]).Append(']');
            }
            else if (element.StartsWith("i:", StringComparison.Ordinal))
            {
                text.Append('[').Append(element[2..]).Append(']');
            }
        }
        return text.ToString();
    }

    private static void Walk(JsonNode? value, JsonObject? schema, JsonNode? property, string path, Dictionary<string, JsonNode?> leaves, OpenApiDocuments openApi)
    {
        switch (value)
        {
            case JsonObject obj when obj.Count > 0:
                foreach (var (key, child) in obj)
                {
                    var childProperty = schema?["properties"]?[key] ?? schema?["additionalProperties"];
                    Walk(child, openApi.Resolve(childProperty), childProperty, path + Separator + $"f:{key}", leaves, openApi);
                }
                break;
            case JsonArray list when list.Count > 0 && ListShape.Of(property, openApi) is { Kind: not ListKind.Atomic } shape:
                foreach (var item in list)
                {
                    var element = path + Separator + shape.ElementKey(item);
                    if (shape.Kind == ListKind.Set)
                    {
                        leaves[element] = item?.DeepClone();
                        continue;
                    }
                    // An element's own leaf says it exists; its value is in its fields.
                    leaves[element + Separator + "."] = null;
                    Walk(item, shape.ItemSchema, null, element, leaves, openApi);
                }
                break;
            default:
                leaves[path] = value?.DeepClone();
                break;
        }
    }
}

public enum ListKind
{
    Atomic,
    Set,
    Map,
}

/// <summary>
/// How apply treats a list, from its schema: x-kubernetes-list-type map (by x-kubernetes-list-map-keys)
/// or set, else a strategic merge key makes it a map by that key and a merge strategy without one a
/// set, as the server derives its own apply schema; anything else is atomic (replaced whole).
/// </summary>
public sealed class ListShape
{
    private ListShape(ListKind kind, IReadOnlyList<string> keys, JsonObject? itemSchema)
    {
        Kind = kind;
        Keys = keys;
        ItemSchema = itemSchema;
    }

    public ListKind Kind { get; }

    public IReadOnlyList<string> Keys { get; }

    public JsonObject? ItemSchema { get; }

    public static ListShape Of(JsonNode? property, OpenApiDocuments openApi)
    {
        ArgumentNullException.ThrowIfNull(openApi);
        var itemSchema = openApi.Resolve(property?["items"]);
        var listType = property?["x-kubernetes-list-type"]?.GetValue<string>();
        if (listType == "map" && property?["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            return new ListShape(ListKind.Map, [.. keys.Select(k => k!.GetValue<string>())], itemSchema);
        }
        if (listType == "set")
        {
            return new ListShape(ListKind.Set, [], itemSchema);
        }
        if (listType is null && property?["x-kubernetes-patch-merge-key"]?.GetValue<string>() is { } mergeKey)
        {
            return new ListShape(ListKind.Map, [mergeKey], itemSchema);
        }
        if (listType is null && property?["x-kubernetes-patch-strategy"]?.GetValue<string>().Contains("merge", StringComparison.Ordinal) == true)
        {
            return new ListShape(ListKind.Set, [], itemSchema);
        }
        return new ListShape(ListKind.Atomic, [], itemSchema);
    }

    /// <summary>The path element of a list item: k:{"name":"web"} (a missing key takes its schema default) or v:"value".</summary>
    public string ElementKey(JsonNode? item)
    {
        if (Kind == ListKind.Set)
        {
            return "v:" + (item?.ToJsonString(WireJson.Options) ?? "null");
        }
        var key = new JsonObject();
        foreach (var name in Keys)
        {
            var value = item?[name] ?? ItemSchema?["properties"]?[name]?["default"];
            if (value is not null)
            {
                key[name] = value.DeepClone();
            }
        }
        return "k:" + key.ToJsonString(WireJson.Options);
    }
}
