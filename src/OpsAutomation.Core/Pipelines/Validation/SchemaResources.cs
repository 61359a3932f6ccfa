using System.Text.Json;
using Json.Schema;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// Schemas that a <c>$ref</c> may reach by URI, registered up front: validation never downloads a
/// schema, so a run cannot hang on (or be steered by) the network. Thread-safe.
/// </summary>
public sealed class SchemaResources
{
    private readonly Dictionary<Uri, JsonElement> _documents = [];

    /// <summary>Registers the schema in <paramref name="json"/> under <paramref name="uri"/>.</summary>
    /// <exception cref="ConfigurationException">The text is not JSON or not a schema; names <paramref name="origin"/>.</exception>
    public void Add(Uri uri, string json, string origin)
    {
        ArgumentNullException.ThrowIfNull(uri);
        JsonElement root;
        using (var document = JsonSchemaValidator.ParseJson(json, origin)) root = document.RootElement.Clone();

        var key = WithoutFragment(uri);
        try
        {
            Fetch(key, NewRegistry(), root);
        }
        catch (Exception ex) when (JsonSchemaValidator.IsSchemaProblem(ex))
        {
            throw new ConfigurationException($"not a usable JSON Schema: {ex.Message}", origin, inner: ex);
        }
        lock (_documents) _documents[key] = root;
    }

    /// <summary>A registry that resolves unknown URIs from these resources only.</summary>
    internal SchemaRegistry NewRegistry() => new() { Fetch = Fetch };

    /// <summary>
    /// Builds the resource at <paramref name="uri"/> into the registry that asked for it, so that
    /// its $id, anchors and dynamic anchors resolve there; every validator has a registry of its own.
    /// </summary>
    private JsonSchema? Fetch(Uri uri, SchemaRegistry registry)
    {
        var key = WithoutFragment(uri);
        JsonElement root;
        lock (_documents)
        {
            if (!_documents.TryGetValue(key, out root)) return null;
        }
        return Fetch(key, registry, root);
    }

    // The registry files the fetched schema under the URI it asked for; the build files it under its $id.
    private static JsonSchema Fetch(Uri key, SchemaRegistry registry, JsonElement root) =>
        JsonSchema.Build(root, new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft202012 }, key);

    private static Uri WithoutFragment(Uri uri) =>
        uri.Fragment.Length == 0 ? uri : new Uri(uri.GetLeftPart(UriPartial.Query));
}
