using System.Text.Json;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Pipelines.Validation;

namespace OpsAutomation.Core.Tests.Pipelines.Observers;

/// <summary>
/// The OpenLineage 2-0-2 spec schema and its facet schemas, kept in shared/ beside the repository
/// (<c>../shared/data/OpenLineage</c>), registered in memory under their $ids (facets $ref the
/// spec by its URL; nothing is downloaded). Our own run facet's schema comes from the source tree.
/// </summary>
public static class OpenLineageSchemas
{
    private static readonly Lazy<SchemaResources> LazyResources = new(Load);

    // Declared first: static initializers run in order, and Directory needs it.
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The schemas' directory, whether or not it exists.</summary>
    public static string Directory { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "OpenLineage"));

    public static bool IsPresent => File.Exists(Path.Combine(Directory, "OpenLineage.json"));

    /// <summary>Every facet a schemaURL can name: the spec, shared/'s facets and ours.</summary>
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
            .Append(Path.Combine(RepositoryRoot, "src", "OpsAutomation.Core", "Pipelines", "Observers", "OpsAutomationRunFacet.json"));
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            using var document = JsonDocument.Parse(text);
            resources.Add(new Uri(document.RootElement.GetProperty("$id").GetString()!), text, file);
        }
        return resources;
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OpsAutomation.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} holds OpsAutomation.sln");
    }
}

/// <summary>A fact over the OpenLineage schemas that reports itself skipped, naming the path, when shared/ is absent.</summary>
public sealed class OpenLineageSchemaFactAttribute : FactAttribute
{
    public OpenLineageSchemaFactAttribute()
    {
        if (!OpenLineageSchemas.IsPresent)
            Skip = $"the OpenLineage schemas are not at {OpenLineageSchemas.Directory} (shared/ is beside the repository in CI)";
    }
}
