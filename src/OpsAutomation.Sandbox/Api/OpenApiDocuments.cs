using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The real API server's OpenAPI v3 documents (OpenApi/ORIGIN.md), served as they are, and their
/// schemas, which are also where strategic merge patch reads its merge keys and strategies.
/// </summary>
public sealed class OpenApiDocuments
{
    private readonly Dictionary<string, (byte[] Body, string Hash)> _documents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _schemas = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Version, string Kind), JsonObject> _byKind = [];

    private OpenApiDocuments()
    {
    }

    /// <summary>The group-version paths served under /openapi/v3/ (api/v1, apis/apps/v1), with the hash a client caches by.</summary>
    public IEnumerable<(string Path, string Hash)> Paths => _documents.Select(d => (d.Key, d.Value.Hash));

    public static OpenApiDocuments Load()
    {
        var documents = new OpenApiDocuments();
        documents.Add("api/v1", "api__v1_openapi.json");
        documents.Add("apis/apps/v1", "apis__apps__v1_openapi.json");
        return documents;
    }

    public byte[]? Document(string path) => _documents.TryGetValue(path, out var document) ? document.Body : null;

    /// <summary>The schema of a kind (from its x-kubernetes-group-version-kind), or null.</summary>
    public JsonObject? SchemaOf(ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return _byKind.GetValueOrDefault((type.Group, type.Version, type.Kind));
    }

    /// <summary>The schema a property's or an array item's schema refers to ($ref, or allOf of one $ref), or the schema itself.</summary>
    public JsonObject? Resolve(JsonNode? schema)
    {
        var reference = schema?["$ref"] ?? schema?["allOf"]?[0]?["$ref"];
        return reference is null ? schema as JsonObject : _schemas.GetValueOrDefault(reference.GetValue<string>().Split('/')[^1]);
    }

    private void Add(string path, string resource)
    {
        using var stream = typeof(OpenApiDocuments).Assembly.GetManifestResourceStream($"OpenApi.{resource}")
            ?? throw new InvalidOperationException($"The sandbox assembly carries no OpenApi/{resource}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var body = buffer.ToArray();
        _documents[path] = (body, Convert.ToHexString(SHA512.HashData(body))[..64]);
        var schemas = JsonNode.Parse(body)!["components"]!["schemas"]!.AsObject();
        foreach (var (name, schema) in schemas)
        {
            if (schema is not JsonObject schemaObject)
            {
                continue;
            }
            _schemas[name] = schemaObject;
            if (schemaObject["x-kubernetes-group-version-kind"] is JsonArray kinds && kinds.Count == 1)
            {
                var gvk = kinds[0]!;
                _byKind[(gvk["group"]!.GetValue<string>(), gvk["version"]!.GetValue<string>(), gvk["kind"]!.GetValue<string>())] = schemaObject;
            }
        }
    }
}
