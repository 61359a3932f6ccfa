using System.Globalization;
using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api.Patching;

/// <summary>RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over a JSON tree, as application/json-patch+json.</summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode target, JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (patch is not JsonArray operations)
        {
            throw ApiStatus.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch").AsException();
        }
        var root = target.DeepClone();
        foreach (var operation in operations)
        {
            var op = operation?["op"]?.GetValue<string>() ?? throw Fail("Unexpected kind: unknown");
            var path = operation["path"]?.GetValue<string>() ?? throw Fail($"missing path in \"{op}\" operation");
            switch (op)
            {
                case "add":
                    root = Add(root, path, Value(operation, op));
                    break;
                case "remove":
                    root = Remove(root, path, out _);
                    break;
                case "replace":
                    root = Remove(root, path, out _);
                    root = Add(root, path, Value(operation, op));
                    break;
                case "move":
                    root = Remove(root, From(operation, op), out var moved);
                    root = Add(root, path, moved);
                    break;
                case "copy":
                    root = Add(root, path, Resolve(root, From(operation, op))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), Value(operation, op)))
                    {
                        throw Fail($"testing value {path} failed: test failed");
                    }
                    break;
                default:
                    throw Fail($"Unexpected kind: {op}");
            }
        }
        return root;
    }

    private static JsonNode? Value(JsonNode operation, string op) =>
        operation.AsObject().TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw Fail($"missing value in \"{op}\" operation");

    private static string From(JsonNode operation, string op) =>
        operation["from"]?.GetValue<string>() ?? throw Fail($"missing from in \"{op}\" operation");

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }
        if (path[0] != '/')
        {
            throw Fail($"invalid JSON pointer: \"{path}\"");
        }
        return [.. path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static JsonNode? Resolve(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw Fail($"doc is missing path: \"{path}\""),
            };
        }
        return node;
    }

    private static JsonNode Add(JsonNode root, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            return value ?? throw Fail("cannot replace the document with null");
        }
        var parent = Resolve(root, "/" + string.Join('/', tokens[..^1].Select(Escape))) ?? throw Fail($"doc is missing path: \"{path}\"");
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Fail($"add operation does not apply: doc is missing path: \"{path}\"");
        }
        return root;
    }

    private static JsonNode Remove(JsonNode root, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        var parent = tokens.Count == 0 ? null : Resolve(root, "/" + string.Join('/', tokens[..^1].Select(Escape)));
        var last = tokens.Count == 0 ? "" : tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out removed):
                o.Remove(last);
                return root;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                return root;
            default:
                throw Fail($"remove operation does not apply: doc is missing path: \"{path}\"");
        }
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static ApiException Fail(string message) => ApiStatus.PatchRejected(message).AsException();
}
