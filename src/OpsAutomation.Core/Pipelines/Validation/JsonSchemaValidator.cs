using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Pipelines;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>A keyword of a JSON Schema that an instance failed, where, and why.</summary>
/// <param name="Keyword">The schema keyword, as the evaluation output names it (required, minimum).</param>
/// <param name="InstanceLocation">A JSON Pointer into the instance ("" for the whole instance).</param>
public sealed record SchemaViolation(string Keyword, string InstanceLocation, string Message);

/// <summary>
/// A JSON Schema (draft 2020-12 unless <c>$schema</c> says otherwise) checked against its meta-schema
/// when loaded, evaluated by JsonSchema.Net. Thread-safe once built.
/// </summary>
/// <remarks>
/// <para><see cref="IsValid"/> answers from a check compiled from the schema when the schema is a
/// flat one (<see cref="FlatSchemaCheck"/>), else from the library's Flag output, its fastest;
/// <see cref="Explain"/> always asks the library, with the List output, which costs several times
/// more, so callers explain only the instances that failed.</para>
/// <para><c>format</c> is an annotation, as draft 2020-12 specifies by default: the library's
/// format assertions fail many of the official format tests, so they are not switched on.</para>
/// </remarks>
public sealed class JsonSchemaValidator
{
    private static readonly EvaluationOptions FlagOutput = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions ListOutput = new() { OutputFormat = OutputFormat.List };

    private readonly JsonSchema _schema;
    private readonly FlatSchemaCheck? _flat;

    private JsonSchemaValidator(JsonSchema schema, FlatSchemaCheck? flat, string origin)
    {
        _schema = schema;
        _flat = flat;
        Origin = origin;
    }

    /// <summary>Where the schema came from (its file), for errors.</summary>
    public string Origin { get; }

    /// <summary>Reads and checks the schema file at <paramref name="path"/>.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read, is not JSON, or is not a valid schema.</exception>
    public static JsonSchemaValidator Load(string path, SchemaResources? resources = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"the JSON Schema cannot be read: {ex.Message}", path, inner: ex);
        }
        return Parse(text, path, resources);
    }

    /// <summary>Checks the schema in <paramref name="json"/>; errors name <paramref name="origin"/>.</summary>
    /// <exception cref="ConfigurationException">Not JSON, or not a valid schema.</exception>
    public static JsonSchemaValidator Parse(string json, string origin, SchemaResources? resources = null)
    {
        using var document = ParseJson(json, origin);
        return Build(document.RootElement.Clone(), origin, resources);
    }

    /// <summary>Checks the schema in <paramref name="root"/>; errors name <paramref name="origin"/>.</summary>
    /// <exception cref="ConfigurationException">Not a valid schema.</exception>
    public static JsonSchemaValidator Build(JsonElement root, string origin, SchemaResources? resources = null)
    {
        if (root.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            throw new ConfigurationException($"not a JSON Schema: a schema is an object or true/false, not {root.ValueKind.ToString().ToLowerInvariant()}", origin);

        // A registry of its own that never downloads: $ids never leak between validators, and only
        // the schema, the resources and the library's meta-schemas resolve.
        JsonSchema? schema = null;
        Exception? buildError = null;
        try
        {
            var registry = resources?.NewRegistry() ?? new SchemaRegistry { Fetch = static (_, _) => null };
            schema = JsonSchema.Build(root, new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft202012 });
        }
        catch (Exception ex) when (IsSchemaProblem(ex))
        {
            buildError = ex;
        }

        // The meta-schema locates the problem; the library's own message, when it has one, says it best.
        var metaUri = MetaSchemaUri(root, origin);
        if (MetaSchemaViolation(root, metaUri, origin, resources) is { } violation)
        {
            var where = violation.InstanceLocation.Length == 0 ? "the root" : violation.InstanceLocation;
            throw new ConfigurationException(
                $"not a valid JSON Schema (meta-schema {metaUri}): at {where}: {buildError?.Message ?? violation.Message}",
                origin, violation.InstanceLocation.Length == 0 ? null : violation.InstanceLocation, inner: buildError);
        }
        return schema is not null
            ? new JsonSchemaValidator(schema, FlatSchemaCheck.TryCompile(root), origin)
            : throw new ConfigurationException($"not a usable JSON Schema: {buildError!.Message}", origin, inner: buildError);
    }

    /// <summary>True when <paramref name="instance"/> conforms.</summary>
    /// <exception cref="ConfigurationException">The schema has a reference that does not resolve.</exception>
    public bool IsValid(JsonElement instance) => _flat?.IsValid(instance) ?? Evaluate(instance, FlagOutput).IsValid;

    /// <summary>The verdict on a record's values without writing them as JSON, when the compiled check can tell.</summary>
    internal bool? TryIsValid(DataRecord record) => _flat?.IsValid(record);

    /// <summary>Every keyword <paramref name="instance"/> fails; empty when it conforms.</summary>
    /// <exception cref="ConfigurationException">The schema has a reference that does not resolve.</exception>
    public IReadOnlyList<SchemaViolation> Explain(JsonElement instance)
    {
        var results = Evaluate(instance, ListOutput);
        if (results.IsValid) return [];

        return Violations(results);
    }

    internal static JsonDocument ParseJson(string json, string origin)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is { } l ? (int)l + 1 : (int?)null;
            var message = ex.Message.Split(" Path:", 2)[0];
            throw new ConfigurationException($"the JSON Schema is not valid JSON: {message}", origin, line: line, inner: ex);
        }
    }

    /// <summary>What the library throws for a schema it cannot build or resolve (as opposed to our own bugs).</summary>
    internal static bool IsSchemaProblem(Exception ex) =>
        ex is JsonSchemaException or RefResolutionException or RegexParseException or ArgumentException or JsonException or InvalidOperationException;

    private EvaluationResults Evaluate(JsonElement instance, EvaluationOptions options)
    {
        try
        {
            return _schema.Evaluate(instance, options);
        }
        catch (Exception ex) when (ex is RefResolutionException or JsonSchemaException)
        {
            throw new ConfigurationException($"the JSON Schema cannot be evaluated: {ex.Message}", Origin, inner: ex);
        }
    }

    private static Uri MetaSchemaUri(JsonElement root, string origin)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("$schema", out var declared)) return MetaSchemas.Draft202012Id;
        return declared.ValueKind == JsonValueKind.String && Uri.TryCreate(declared.GetString(), UriKind.Absolute, out var uri)
            ? uri
            : throw new ConfigurationException($"$schema must be an absolute URI, not {declared.GetRawText()}", origin, "/$schema");
    }

    /// <returns>The deepest failure against the meta-schema (the one to fix: those above it only echo it), or null.</returns>
    private static SchemaViolation? MetaSchemaViolation(JsonElement root, Uri metaUri, string origin, SchemaResources? resources)
    {
        var metaSchema = metaUri == MetaSchemas.Draft202012Id
            ? MetaSchemas.Draft202012
            : resources?.NewRegistry().Get(metaUri) as JsonSchema ?? SchemaRegistry.Global.Get(metaUri) as JsonSchema
              ?? throw new ConfigurationException($"$schema '{metaUri}' is not a meta-schema this validator knows; use {MetaSchemas.Draft202012Id} or register it", origin, "/$schema");

        EvaluationResults results;
        try
        {
            results = metaSchema.Evaluate(root, ListOutput);
        }
        catch (Exception ex) when (IsSchemaProblem(ex))
        {
            throw new ConfigurationException($"the JSON Schema cannot be checked against its meta-schema {metaUri}: {ex.Message}", origin, inner: ex);
        }
        if (results.IsValid) return null;

        return Violations(results).OrderByDescending(v => v.InstanceLocation.Length).First();
    }

    /// <summary>The failures of a List output, never empty for an invalid result.</summary>
    private static List<SchemaViolation> Violations(EvaluationResults results)
    {
        List<EvaluationResults> nodes = [results, .. results.Details ?? []];
        var violations = new List<SchemaViolation>();
        foreach (var node in nodes)
        {
            foreach (var (name, message) in node.Errors ?? [])
                violations.Add(new SchemaViolation(name, node.InstanceLocation.ToString(), message));
        }
        if (violations.Count > 0) return violations;

        // not, oneOf and the false schema fail without an error message: the keyword is the step
        // from the deepest failing node to the subschemas it evaluated (none: the false schema).
        var deepest = nodes.Where(n => !n.IsValid).MaxBy(n => n.EvaluationPath.ToString().Length) ?? results;
        var path = deepest.EvaluationPath.ToString();
        var below = nodes.Select(n => n.EvaluationPath.ToString()).FirstOrDefault(p => p.Length > path.Length + 1 && p.StartsWith(path + "/", StringComparison.Ordinal));
        var keyword = below is null ? "false" : below[(path.Length + 1)..].Split('/')[0];
        return [new SchemaViolation(keyword, deepest.InstanceLocation.ToString(), $"the value fails '{keyword}' at {(path.Length == 0 ? "the schema root" : path)}")];
    }
}
