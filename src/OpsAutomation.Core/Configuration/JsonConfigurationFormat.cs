using System.Text.Json;

namespace OpsAutomation.Core.Configuration;

/// <summary>JSON (with comments and trailing commas allowed) into the configuration tree.</summary>
public sealed class JsonConfigurationFormat : IConfigurationFormat
{
    /// <summary>The deepest nesting of objects and arrays, as for YAML (<see cref="BoundedYaml.MaxDepth"/>): the conversion recurses once per level.</summary>
    public const int MaxDepth = BoundedYaml.MaxDepth;

    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = MaxDepth,
    };

    public IReadOnlyCollection<string> Extensions { get; } = [".json"];

    public object? Parse(string text, string origin)
    {
        try
        {
            using var document = JsonDocument.Parse(text, Options);
            return Convert(document.RootElement, origin, "");
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is { } l ? (int)l + 1 : (int?)null;
            var column = ex.BytePositionInLine is { } b ? $" (column {b + 1})" : "";
            throw new ConfigurationException($"not valid JSON: {FirstSentence(ex.Message)}{column}", origin, line: line, inner: ex);
        }
    }

    private static object? Convert(JsonElement element, string origin, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var map = ConfigurationTree.NewMap();
                foreach (var property in element.EnumerateObject())
                {
                    var key = ConfigurationTree.Child(path, property.Name);
                    if (!map.TryAdd(property.Name, Convert(property.Value, origin, key)))
                        throw new ConfigurationException("the key appears twice", origin, key);
                }
                return map;
            case JsonValueKind.Array:
                var list = new List<object?>();
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    list.Add(Convert(item, origin, ConfigurationTree.Item(path, index++)));
                return list;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out var integer) ? integer : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }
}
