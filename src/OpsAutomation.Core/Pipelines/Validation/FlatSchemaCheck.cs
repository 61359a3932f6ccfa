using System.Text.Json;
using Json.Schema;
using OpsAutomation.Core.Pipelines;

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
    private readonly RecordCheck? _record;

    private FlatSchemaCheck(Func<JsonElement, bool> check, RecordCheck? record)
    {
        _check = check;
        _record = record;
    }

    public bool IsValid(JsonElement instance) => _check(instance);

    /// <summary>
    /// The verdict on the record's values as they are, without writing them as JSON; null when it
    /// cannot tell (a value whose JSON form decides: a date, a nested object or list).
    /// </summary>
    public bool? IsValid(DataRecord record) => _record?.IsValid(record);

    /// <returns>The check, or null when the schema uses anything beyond the supported keywords.</returns>
    public static FlatSchemaCheck? TryCompile(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("$schema", out var declared)
            && (declared.ValueKind != JsonValueKind.String || declared.GetString() != MetaSchemas.Draft202012Id.OriginalString))
            return null;
        if (CompileObject(root, out var record) is { } objectCheck) return new FlatSchemaCheck(objectCheck, record);
        var check = CompileValue(root, root: true);
        return check is null ? null : new FlatSchemaCheck(check, null);
    }

    /// <summary>The object schema applied to a record's fields directly.</summary>
    private sealed class RecordCheck(Dictionary<string, Func<object?, bool?>> properties, string[] required, bool? additional)
    {
        public bool? IsValid(DataRecord record)
        {
            var shape = record.Shape;
            foreach (var name in required)
            {
                if (shape.IndexOf(name) < 0) return false;
            }
            bool? verdict = true;
            for (var i = 0; i < shape.Count; i++)
            {
                if (properties.TryGetValue(shape.Names[i], out var check))
                {
                    switch (check(record.Values[i]))
                    {
                        case false:
                            return false;
                        case null:
                            verdict = null;
                            break;
                    }
                }
                else if (additional == false)
                {
                    return false;
                }
            }
            return verdict;
        }
    }

    private static Func<JsonElement, bool>? CompileObject(JsonElement schema, out RecordCheck? record)
    {
        record = null;
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            return null;
        var valueChecks = new Dictionary<string, Func<object?, bool?>>(StringComparer.Ordinal);
        var recordable = true;

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
                        if (CompileRecordValue(property.Value) is { } valueCheck) valueChecks[property.Name] = valueCheck;
                        else recordable = false;
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
        // At the root of a record only "type": "object" (or a list holding it) is known to hold.
        recordable &= valueKeywords.All(k => k.Name == "type" && (k.Value.ValueKind == JsonValueKind.String
            ? k.Value.GetString() == "object"
            : k.Value.ValueKind == JsonValueKind.Array && k.Value.EnumerateArray().Any(t => t.GetString() == "object")));
        if (recordable) record = new RecordCheck(valueChecks, required, additional);
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

    /// <summary>A property schema applied to a record's value; null where only its JSON form can tell.</summary>
    private static Func<object?, bool?>? CompileRecordValue(JsonElement schema)
    {
        if (schema.ValueKind is JsonValueKind.True) return static _ => true;
        if (schema.ValueKind is JsonValueKind.False) return static _ => false;
        if (schema.ValueKind != JsonValueKind.Object) return null;

        var checks = new List<Func<object?, bool>>();
        var needsText = false;
        foreach (var keyword in schema.EnumerateObject())
        {
            if (Annotations.Contains(keyword.Name)) continue;
            var check = RecordKeyword(keyword.Name, keyword.Value);
            if (check is null) return null;
            checks.Add(check);
            needsText |= keyword.Name is "enum" or "const" or "minLength" or "maxLength";
        }
        var all = checks.ToArray();
        return value =>
        {
            // A date is a string in JSON, but which string (date or date and time) is the JSON
            // writer's business: only keywords that look at the text need it. Nested data and
            // NaN are left to the JSON check.
            if (value is DateTimeOffset && needsText) return null;
            if (value is not (null or string or long or int or decimal or bool or double or DateTimeOffset) || (value is double d && !double.IsFinite(d))) return null;
            foreach (var check in all)
            {
                if (!check(value)) return false;
            }
            return true;
        };
    }

    private static Func<object?, bool>? RecordKeyword(string name, JsonElement value)
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
                        if (ValueHasType(instance, type)) return true;
                    }
                    return false;
                };
            case "enum" when value.ValueKind == JsonValueKind.Array:
                var options = value.EnumerateArray().Select(o => o.Clone()).ToArray();
                return instance =>
                {
                    foreach (var option in options)
                    {
                        if (ValueEquals(option, instance)) return true;
                    }
                    return false;
                };
            case "const":
                var constant = value.Clone();
                return instance => ValueEquals(constant, instance);
            case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" when value.ValueKind == JsonValueKind.Number:
                var bound = value.Clone();
                return instance =>
                {
                    if (!IsNumberValue(instance)) return true;
                    var order = CompareValue(instance, bound);
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
                    if (instance is not string text) return true;
                    var length = CodePoints(text);
                    return name == "minLength" ? length >= limit : length <= limit;
                };
            default:
                return null;
        }
    }

    private static bool IsNumberValue(object? value) => value is long or int or decimal or double;

    private static bool ValueHasType(object? value, string type) => type switch
    {
        "null" => value is null,
        "boolean" => value is bool,
        "string" => value is string or DateTimeOffset,
        "number" => IsNumberValue(value),
        "integer" => value is long or int || (value is decimal m && m == decimal.Truncate(m)) || (value is double d && d == Math.Floor(d)),
        _ => false,
    };

    /// <summary>Compares a number value with a JSON number as the JSON form of the value would compare.</summary>
    private static int CompareValue(object? value, JsonElement bound)
    {
        // A double is written as its shortest round-trip text, which is what its decimal is read from.
        decimal? exact = value switch
        {
            long l => l,
            int i => i,
            decimal m => m,
            double d when decimal.TryParse(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        return exact is { } x && bound.TryGetDecimal(out var y)
            ? x.CompareTo(y)
            : Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture).CompareTo(bound.GetDouble());
    }

    private static bool ValueEquals(JsonElement option, object? value) => option.ValueKind switch
    {
        JsonValueKind.Null => value is null,
        JsonValueKind.True => value is true,
        JsonValueKind.False => value is false,
        JsonValueKind.String => value is string s && option.ValueEquals(s),
        JsonValueKind.Number => IsNumberValue(value) && CompareValue(value, option) == 0,
        _ => false,
    };

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
