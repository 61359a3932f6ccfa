using System.Globalization;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>
/// Reads Kubernetes manifests from files and folders: YAML or JSON (JSON is YAML), several
/// documents a file separated by ---, v1 List objects unpacked. Files go through the module's
/// <see cref="BoundedYaml"/> reader, so alias bombs and deep nesting are refused; ${NAME}
/// placeholders are expanded value by value (a value cannot change the document's structure),
/// then the given images are put into their containers. Every error names the file and line.
/// </summary>
public static class ManifestReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>The objects of <paramref name="paths"/> (files, or folders whose .yaml, .yml and .json files are read in name order), in the order written.</summary>
    public static async Task<IReadOnlyList<Manifest>> ReadAsync(IEnumerable<string> paths, ManifestReadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var variables = new ManifestVariables(options.Variables, options.Environment);
        var manifests = new List<Manifest>();
        foreach (var file in Files(paths))
        {
            var text = await ReadTextAsync(file, options.MaxFileBytes, cancellationToken).ConfigureAwait(false);
            manifests.AddRange(Parse(text, file, variables));
        }
        ImageInjector.Inject(manifests, options.Images);
        return manifests;
    }

    /// <summary>The objects of one file's text; <paramref name="file"/> names it in errors.</summary>
    public static IReadOnlyList<Manifest> Parse(string text, string file, ManifestReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var manifests = Parse(text, file, new ManifestVariables(options.Variables, options.Environment));
        ImageInjector.Inject(manifests, options.Images);
        return manifests;
    }

    private static List<Manifest> Parse(string text, string file, ManifestVariables variables)
    {
        YamlStream stream;
        try
        {
            stream = BoundedYaml.Load(text);
        }
        catch (YamlException ex)
        {
            throw new ManifestException(ManifestProblem.Invalid, $"not valid YAML or JSON: {ex.InnerException?.Message ?? ex.Message}",
                new ManifestSource(file, (int)ex.Start.Line), ex);
        }
        var manifests = new List<Manifest>();
        foreach (var document in stream.Documents)
        {
            var root = document.RootNode;
            // An empty document (a trailing ---, only comments) holds no object.
            if (root is YamlScalarNode { Value: null or "" } && root.Tag.IsEmpty) continue;
            var source = Source(file, root);
            if (new YamlToJson(file, variables).Convert(root) is not JsonObject body)
                throw new ManifestException(ManifestProblem.Invalid, $"a manifest document must be an object, not a {root.NodeType.ToString().ToLowerInvariant()}", source);
            if (IsList(body))
            {
                var items = body["items"] as JsonArray ?? throw new ManifestException(ManifestProblem.Invalid, "a List needs items, an array of objects", source);
                foreach (var item in items)
                    manifests.Add(ToManifest(item as JsonObject ?? throw new ManifestException(ManifestProblem.Invalid, "every item of a List must be an object", source), source));
            }
            else
            {
                manifests.Add(ToManifest(body, source));
            }
        }
        return manifests;
    }

    private static bool IsList(JsonObject body) =>
        Text(body, "apiVersion") == "v1" && Text(body, "kind") is "List";

    internal static Manifest ToManifest(JsonObject body, ManifestSource source)
    {
        var apiVersion = Required(body, "apiVersion", source);
        var kind = Required(body, "kind", source);
        if (body["metadata"] is not JsonObject metadata)
            throw new ManifestException(ManifestProblem.Invalid, $"the {kind} has no metadata: a manifest needs metadata.name", source);
        var name = metadata["name"] is JsonValue value && value.TryGetValue<string>(out var n) && n.Length > 0 ? n
            : throw new ManifestException(ManifestProblem.Invalid,
                $"the {kind} has no metadata.name{(metadata.ContainsKey("generateName") ? " (generateName cannot be applied: server-side apply needs a name)" : "")}", source);
        string? ns = null;
        if (metadata["namespace"] is { } given)
        {
            ns = given is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0 ? text
                : throw new ManifestException(ManifestProblem.Invalid, $"the {kind} {name} has a metadata.namespace that is not a name", source);
        }
        return new Manifest(body, apiVersion, kind, name, ns, source);
    }

    private static string Required(JsonObject body, string field, ManifestSource source) =>
        Text(body, field) is { Length: > 0 } text ? text
            : throw new ManifestException(ManifestProblem.Invalid, $"the document has no {field}: is it a Kubernetes object?", source);

    private static string? Text(JsonObject body, string field) =>
        body[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static ManifestSource Source(string file, YamlNode node) => new(file, Math.Max(1, (int)node.Start.Line));

    private static IEnumerable<string> Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                    throw new ManifestException(ManifestProblem.NotFound, $"the folder {path} holds no .yaml, .yml or .json file");
                foreach (var file in files) yield return file;
            }
            else if (File.Exists(path))
            {
                yield return path;
            }
            else
            {
                throw new ManifestException(ManifestProblem.NotFound, $"the manifest path {path} does not exist");
            }
        }
    }

    private static async Task<string> ReadTextAsync(string file, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                if (stream.Length > maxBytes)
                    throw new ManifestException(ManifestProblem.Invalid,
                        $"the manifest file {file} is {stream.Length.ToString(CultureInfo.InvariantCulture)} bytes, over the limit of {maxBytes.ToString(CultureInfo.InvariantCulture)} (-MaxFileBytes)");
                using var reader = new StreamReader(stream);
                return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException(ManifestProblem.NotFound, $"the manifest file {file} cannot be read: {ex.Message}", inner: ex);
        }
    }

    /// <summary>
    /// YAML nodes to JSON the way Kubernetes reads them: YAML 1.2 core-schema scalars (after ${NAME}
    /// expansion, so replicas: ${REPLICAS} is a number), quoted scalars and !!str always strings,
    /// merge keys (&lt;&lt;) merged, a key twice an error.
    /// </summary>
    private sealed class YamlToJson(string file, ManifestVariables variables)
    {
        private const string StringTag = "tag:yaml.org,2002:str";

        public JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode mapping => Mapping(mapping),
            YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
            YamlScalarNode scalar => Scalar(scalar),
            _ => throw new ManifestException(ManifestProblem.Invalid, $"unsupported YAML node {node.NodeType}", Source(file, node)),
        };

        private JsonObject Mapping(YamlMappingNode mapping)
        {
            var result = new JsonObject();
            var merged = new List<JsonObject>();
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                if (keyNode is not YamlScalarNode keyScalar)
                    throw new ManifestException(ManifestProblem.Invalid, $"a key must be a name, not a {keyNode.NodeType.ToString().ToLowerInvariant()}", Source(file, keyNode));
                var key = variables.Expand(keyScalar.Value ?? "", Source(file, keyNode));
                if (key == "<<" && keyScalar.Style == ScalarStyle.Plain)
                {
                    merged.AddRange(MergeSources(valueNode));
                    continue;
                }
                if (result.ContainsKey(key))
                    throw new ManifestException(ManifestProblem.Invalid, $"the key {key} appears twice", Source(file, keyNode));
                result[key] = Convert(valueNode);
            }
            // Keys written in the mapping win over merged ones; earlier merge sources over later ones.
            foreach (var source in merged)
            {
                foreach (var (key, value) in source)
                {
                    if (!result.ContainsKey(key)) result[key] = value?.DeepClone();
                }
            }
            return result;
        }

        private IEnumerable<JsonObject> MergeSources(YamlNode value) => value switch
        {
            YamlMappingNode mapping => [Mapping(mapping)],
            YamlSequenceNode sequence when sequence.Children.All(c => c is YamlMappingNode) => sequence.Children.Select(c => Mapping((YamlMappingNode)c)),
            _ => throw new ManifestException(ManifestProblem.Invalid, "a merge key (<<) takes a mapping or a list of mappings", Source(file, value)),
        };

        private JsonValue? Scalar(YamlScalarNode scalar)
        {
            var text = variables.Expand(scalar.Value ?? "", Source(file, scalar));
            if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == StringTag)) return JsonValue.Create(text);
            switch (text)
            {
                case "" or "~" or "null" or "Null" or "NULL":
                    return null;
                case "true" or "True" or "TRUE":
                    return JsonValue.Create(true);
                case "false" or "False" or "FALSE":
                    return JsonValue.Create(false);
            }
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return JsonValue.Create(integer);
            if (LooksNumeric(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
                return JsonValue.Create(real);
            return JsonValue.Create(text);
        }

        // The core schema's float: digits with a point or an exponent ("1e3", "-2.5"), not "Infinity" or "1_000".
        private static bool LooksNumeric(string text) =>
            text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-') && text.Any(char.IsAsciiDigit);
    }
}
