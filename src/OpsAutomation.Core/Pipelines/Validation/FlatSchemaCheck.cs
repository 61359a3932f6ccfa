using System.Text.Json;
using Json.Schema;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// A yes/no check for the schemas records mostly have, compiled from the schema itself: an object
/// with properties (type, enum, const, range and length keywords), required and a boolean
/// additionalProperties, or one such value schema. It answers in a fraction of the library's time;
/// any other keyword leaves the schema to the library. The detailed answer for a failing instance
/// always comes from the library, and the official test suite runs through this check (and
/// compares it with the library) for every schema it can compile.
/// </summary>
internal sealed class FlatSchemaCheck
{
    // Keywords that only annotate: they never change a verdict.
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly", "format",
    };

    private readonly Func<JsonElement, bool> _check;

    private FlatSchemaCheck(Func<JsonElement, bool> check) => _check = check;

    public bool IsValid(JsonElement instance) => _check(instance);

    /// <returns>The check, or null when the schema uses anything beyond the supported keywords.</returns>
    public static FlatSchemaCheck? TryCompile(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("$schema", out var declared)
            && (declared.ValueKind != JsonValueKind.String || declared.GetString() != MetaSchemas.Draft202012Id.OriginalString))
            return null;
        var check = CompileObject(root) ?? CompileValue(root, root: true);
        return check is null ? null : new FlatSchemaCheck(check);
    }

    private static Func<JsonElement, bool>? CompileObject(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            return null;

        Func<JsonElement, bool>? value = null;
        var names = new Dictionary<string, Func<JsonElement, bool>>(StringComparer.Ordinal);
        string[] required = [];
        bool? additional = null;
        var valueKeywords = new List<JsonProperty>();
        foreach (var keyword in schema.EnumerateObject())
        {
            switch (keyword.Name)
            {
                case "properties":
                    foreach (var property in properties.EnumerateObject())
                    {
                        if (CompileValue(property.Value, root: false) is not { } check) return null;
                        names[property.Name] = check;
                    }
                    break;
                case "required" when keyword.Value.ValueKind == JsonValueKind.Array:
                    required = [.. keyword.Value.EnumerateArray().Select(r => r.GetString()!)];
                    break;
                case "additionalProperties" when keyword.Value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    additional = keyword.Value.GetBoolean();
                    break;
                case "$schema":
                    break;
                default:
                    valueKeywords.Add(keyword);
                    break;
            }
        }
        if (valueKeywords.Count > 0)
        {
            using var rest = JsonDocument.Parse("{" + string.Join(",", valueKeywords.Select(k => JsonSerializer.Serialize(k.Name) + ":" + k.Value.GetRawText())) + "}");
            value = CompileValue(rest.RootElement.Clone(), root: false);
            if (value is null) return null;
        }

        return instance =>
        {
            if (value is not null && !value(instance)) return false;
            if (instance.ValueKind != JsonValueKind.Object) return true;
            foreach (var name in required)
            {
                if (!instance.TryGetProperty(name, out _)) return false;
            }
            foreach (var property in instance.EnumerateObject())
            {
                if (names.TryGetValue(property.Name, out var check))
                {
                    if (!check(property.Value)) return false;
                }
                else if (additional == false)
                {
                    return false;
                }
            }
            return true;
        };
    }

    private static Func<JsonElement, bool>? CompileValue(JsonElement schema, bool root)
    {
        if (schema.ValueKind is JsonValueKind.True) return static _ => true;
        if (schema.ValueKind is JsonValueKind.False) return static _ => false;
        if (schema.ValueKind != JsonValueKind.Object) return null;

        var checks = new List<Func<JsonElement, bool>>();
        foreach (var keyword in schema.EnumerateObject())
        {
            if (Annotations.Contains(keyword.Name) || (root && keyword.Name == "$schema")) continue;
            var check = Keyword(keyword.Name, keyword.Value);
            if (check is null) return null;
            checks.Add(check);
        }
        var all = checks.ToArray();
        return instance =>
        {
            foreach (var check in all)
            {
                if (!check(instance)) return false;
            }
            return true;
        };
    }

    private static Func<JsonElement, bool>? Keyword(string name, JsonElement value)
    {
        switch (name)
        {
            case "type":
                var types = value.ValueKind == JsonValueKind.String ? [value.GetString()!]
                    : value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(t => t.GetString()!).ToArray() : null;
                return types is null ? null : instance =>
                {
                    foreach (var type in types)
                    {
                        if (HasType(instance, type)) return true;
                    }
                    return false;
                };
            case "enum" when value.ValueKind == JsonValueKind.Array:
                var options = value.EnumerateArray().Select(o => o.Clone()).ToArray();
                return instance =>
                {
                    foreach (var option in options)
                    {
                        if (JsonEquals(option, instance)) return true;
                    }
                    return false;
                };
            case "const":
                var constant = value.Clone();
                return instance => JsonEquals(constant, instance);
            case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" when value.ValueKind == JsonValueKind.Number:
                var bound = value.Clone();
                return instance =>
                {
                    if (instance.ValueKind != JsonValueKind.Number) return true;
                    var order = CompareNumbers(instance, bound);
                    return name switch
                    {
                        "minimum" => order >= 0,
                        "maximum" => order <= 0,
                        "exclusiveMinimum" => order > 0,
                        _ => order < 0,
                    };
                };
            case "minLength" or "maxLength" when value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var limit) && limit == decimal.Truncate(limit):
                return instance =>
                {
                    if (instance.ValueKind != JsonValueKind.String) return true;
                    var length = CodePoints(instance.GetString()!);
                    return name == "minLength" ? length >= limit : length <= limit;
                };
            default:
                return null;
        }
    }

    private static bool HasType(JsonElement instance, string type) => type switch
    {
        "null" => instance.ValueKind == JsonValueKind.Null,
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        "integer" => instance.ValueKind == JsonValueKind.Number && IsIntegral(instance),
        _ => false,
    };

    private static bool IsIntegral(JsonElement number) =>
        number.TryGetDecimal(out var exact) ? exact == decimal.Truncate(exact) : Math.Floor(number.GetDouble()) == number.GetDouble();

    private static int CompareNumbers(JsonElement a, JsonElement b) =>
        a.TryGetDecimal(out var x) && b.TryGetDecimal(out var y) ? x.CompareTo(y) : a.GetDouble().CompareTo(b.GetDouble());

    /// <summary>JSON equality: numbers by value (1 equals 1.0), objects regardless of member order.</summary>
    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number) return CompareNumbers(a, b) == 0;
        if (a.ValueKind != b.ValueKind) return false;
        switch (a.ValueKind)
        {
            case JsonValueKind.String:
                return a.ValueEquals(b.GetString());
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength()) return false;
                return a.EnumerateArray().Zip(b.EnumerateArray()).All(pair => JsonEquals(pair.First, pair.Second));
            case JsonValueKind.Object:
                var count = 0;
                foreach (var property in a.EnumerateObject())
                {
                    count++;
                    if (!b.TryGetProperty(property.Name, out var other) || !JsonEquals(property.Value, other)) return false;
                }
                return count == b.EnumerateObject().Count();
            default:
                return true;
        }
    }

    private static int CodePoints(string text)
    {
        var count = text.Length;
        foreach (var c in text)
        {
            if (char.IsLowSurrogate(c)) count--;
        }
        return count;
    }
}
