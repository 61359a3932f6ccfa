using System.Text.Json;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Pipelines.Observers;

/// <summary>
/// The OpenLineage 2-0-2 spec schema and its facet schemas, kept in the repository
/// (<c>tests/data/OpenLineage</c>), registered in memory under their $ids (facets $ref the
/// spec by its URL; nothing is downloaded). Our own run facet's schema comes from the source tree.
/// </summary>
public static class OpenLineageSchemas
{
    private static readonly Lazy<SchemaResources> LazyResources = new(Load);

    public static string Directory { get; } = RepositoryPaths.TestData("OpenLineage");

    /// <summary>Every facet a schemaURL can name: the spec, the kept facets and ours.</summary>
    public static SchemaResources Resources => LazyResources.Value;

    /// <summary>The spec schema; its root accepts a RunEvent, a DatasetEvent or a JobEvent.</summary>
    public static JsonSchemaValidator Spec() => JsonSchemaValidator.Load(Path.Combine(Directory, "OpenLineage.json"), Resources);

    /// <summary>
    /// The validator of a facet schemaURL such as ".../ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet":
    /// a wrapper that $refs it, so the facet is checked against exactly the definition it names.
    /// </summary>
    public static JsonSchemaValidator Facet(string schemaUrl) =>
        JsonSchemaValidator.Parse(new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$ref"] = schemaUrl }.ToJsonString(), schemaUrl, Resources);

    /// <summary>The violations of <paramref name="instance"/>, one line each, for an assertion message.</summary>
    public static string Explain(JsonSchemaValidator validator, JsonNode instance)
    {
        using var document = JsonDocument.Parse(instance.ToJsonString());
        return string.Join("\n", validator.Explain(document.RootElement).Select(v => $"{v.InstanceLocation} {v.Keyword}: {v.Message}"));
    }

    private static SchemaResources Load()
    {
        var resources = new SchemaResources();
        var files = System.IO.Directory.GetFiles(Path.Combine(Directory, "facets"), "*.json").Order(StringComparer.Ordinal)
            .Prepend(Path.Combine(Directory, "OpenLineage.json"))
            .Append(RepositoryPaths.File("src", "OpsAutomation.Core", "Pipelines", "Observers", "OpsAutomationRunFacet.json"));
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            using var document = JsonDocument.Parse(text);
            resources.Add(new Uri(document.RootElement.GetProperty("$id").GetString()!), text, file);
        }
        return resources;
    }
}
