using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// Reads the validation part of a pipeline spec (psd1, JSON or YAML, all read into the
/// configuration tree) into rules. Every error names the spec path:
/// <c>Validation.Columns.id.Type: 'integr' is not a type; expected one of ...</c>.
/// </summary>
/// <example>
/// <code>
/// Validation = @{
///     Schema      = 'orders.schema.json'
///     Mode        = 'Lazy'
///     Columns     = @{
///         id    = @{ Type = 'integer'; Nullable = $false; Unique = $true }
///         email = @{ Pattern = '^[^@]+@[^@]+$'; MaxLength = 254 }
///         qty   = @{ Type = 'integer'; Minimum = 1; Maximum = 1000 }
///         note  = 'string'
///     }
///     Expressions = @('ship_date >= order_date')
/// }
/// </code>
/// </example>
public static class ValidationSpecReader
{
    /// <summary>How long one pattern may take on one value before the value fails.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    private static readonly string[] SpecKeys = ["Schema", "Mode", "Columns", "Expressions"];

    private static readonly string[] ColumnKeys =
        ["Type", "Formats", "Nullable", "Required", "Unique", "Minimum", "Maximum", "MinLength", "MaxLength", "Pattern", "Allowed", "Expression"];

    private static readonly string TypeNames = string.Join(", ", Enum.GetNames<ColumnType>().Select(n => n.ToLowerInvariant()));

    /// <param name="validation">The tree under the spec's Validation key.</param>
    /// <param name="origin">The spec file, for errors.</param>
    /// <param name="path">Where <paramref name="validation"/> sits in the spec, for errors.</param>
    /// <param name="baseDirectory">What a relative Schema path is relative to: the spec file's directory.</param>
    /// <exception cref="ConfigurationException">A key, type, bound, pattern or expression is wrong; names the key path.</exception>
    public static ValidationSpec Read(IReadOnlyDictionary<string, object?> validation, string origin, string path, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(validation);
        var map = new ConfigurationMap(validation, origin, path);
        map.RejectUnknownKeys(SpecKeys);

        var schema = map.GetString("Schema");
        var columns = new List<ColumnRule>();
        if (map.GetMap("Columns") is not null)
        {
            var columnsPath = map.KeyPath("Columns");
            foreach (var (name, value) in (IReadOnlyDictionary<string, object?>)Find(validation, "Columns")!)
                columns.Add(ReadColumn(name, value, origin, ConfigurationTree.Child(columnsPath, name)));
        }

        var expressions = new List<RecordExpression>();
        var texts = map.GetStringList("Expressions");
        for (var i = 0; i < texts.Count; i++)
            expressions.Add(ParseExpression(texts[i], origin, ConfigurationTree.Item(map.KeyPath("Expressions"), i)));

        return new ValidationSpec
        {
            SchemaPath = string.IsNullOrWhiteSpace(schema) ? null : Path.GetFullPath(schema, baseDirectory),
            Mode = map.GetEnum<Models.Pipelines.ValidationMode>("Mode", "validation mode") ?? Models.Pipelines.ValidationMode.Lazy,
            Columns = columns,
            Expressions = expressions,
        };
    }

    private static ColumnRule ReadColumn(string name, object? value, string origin, string path)
    {
        // Shorthand: id = 'integer' declares only the type.
        if (value is string typeName)
            return new ColumnRule { Name = name, Type = ParseType(typeName, origin, path) };
        if (value is not IReadOnlyDictionary<string, object?> tree)
            throw new ConfigurationException($"must be a map of rules or a type name, not {Describe(value)}", origin, path);

        var map = new ConfigurationMap(tree, origin, path);
        map.RejectUnknownKeys(ColumnKeys);
        var type = map.GetString("Type") is { Length: > 0 } text ? ParseType(text, origin, map.KeyPath("Type")) : (ColumnType?)null;
        var formats = map.GetStringList("Formats");
        if (formats.Count > 0 && type is not (ColumnType.DateTime or ColumnType.Date))
            throw map.Error("applies to datetime and date columns only", "Formats");

        var minLength = map.GetInt("MinLength", 0, int.MaxValue);
        var maxLength = map.GetInt("MaxLength", 0, int.MaxValue);
        if (minLength > maxLength) throw map.Error($"{minLength} is greater than MaxLength {maxLength}", "MinLength");

        var minimum = ReadBound(map, tree, "Minimum", type, formats);
        var maximum = ReadBound(map, tree, "Maximum", type, formats);
        if (minimum is not null && maximum is not null && minimum.CompareTo(maximum) > 0)
            throw map.Error($"{ValueCoercion.ToText(minimum)} is greater than Maximum {ValueCoercion.ToText(maximum)}", "Minimum");

        return new ColumnRule
        {
            Name = name,
            Type = type,
            Formats = formats,
            Nullable = map.GetBool("Nullable") ?? true,
            Required = map.GetBool("Required") ?? false,
            Unique = map.GetBool("Unique") ?? false,
            Minimum = minimum,
            Maximum = maximum,
            MinLength = minLength,
            MaxLength = maxLength,
            Pattern = ReadPattern(map),
            Allowed = ReadAllowed(map, tree, type, formats),
            Expression = map.GetString("Expression") is { Length: > 0 } expression ? ParseExpression(expression, origin, map.KeyPath("Expression")) : null,
        };
    }

    private static ColumnType ParseType(string text, string origin, string path) =>
        Enum.TryParse<ColumnType>(text.Trim(), ignoreCase: true, out var type) && Enum.IsDefined(type) && !int.TryParse(text, out _)
            ? type
            : throw new ConfigurationException($"'{text}' is not a type; expected one of {TypeNames}", origin, path);

    private static IComparable? ReadBound(ConfigurationMap map, IReadOnlyDictionary<string, object?> tree, string key, ColumnType? type, IReadOnlyList<string> formats)
    {
        var raw = Find(tree, key);
        if (raw is null) return null;
        if (type is not (ColumnType.Integer or ColumnType.Number or ColumnType.Decimal or ColumnType.DateTime or ColumnType.Date))
            throw map.Error("applies to integer, number, decimal, datetime and date columns; declare the column's Type (for text, use MinLength and MaxLength)", key);
        return ValueCoercion.TryCoerce(raw, type.Value, formats, out var bound) && bound is IComparable comparable
            ? comparable
            : throw map.Error($"'{ValueCoercion.ToText(raw) ?? Describe(raw)}' is not {ValueCoercion.Describe(type.Value)}", key);
    }

    private static Regex? ReadPattern(ConfigurationMap map)
    {
        var pattern = map.GetString("Pattern");
        if (string.IsNullOrEmpty(pattern)) return null;
        try
        {
            // Compiled: a pattern runs once per record, millions of times. The timeout bounds a
            // pattern that backtracks catastrophically on one bad value.
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, PatternTimeout);
        }
        catch (ArgumentException ex)
        {
            throw map.Error($"'{pattern}' is not a valid regular expression: {ex.Message}", "Pattern");
        }
    }

    private static HashSet<object>? ReadAllowed(ConfigurationMap map, IReadOnlyDictionary<string, object?> tree, ColumnType? type, IReadOnlyList<string> formats)
    {
        var raw = Find(tree, "Allowed");
        if (raw is null) return null;
        var items = raw as IList<object?> ?? [raw];
        var allowed = new HashSet<object>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            object? value = item;
            var ok = item is not null && !(item is IDictionary<string, object?> or IList<object?>)
                && (type is { } t ? ValueCoercion.TryCoerce(item, t, formats, out value) && value is not null : (value = ValueCoercion.ToText(item)) is not null);
            if (!ok)
            {
                var what = type is { } known ? ValueCoercion.Describe(known) : "a value";
                throw new ConfigurationException($"'{ValueCoercion.ToText(item) ?? Describe(item)}' is not {what}", map.Origin, ConfigurationTree.Item(map.KeyPath("Allowed"), i));
            }
            allowed.Add(value!);
        }
        return allowed;
    }

    private static RecordExpression ParseExpression(string text, string origin, string path)
    {
        try
        {
            return RecordExpression.Parse(text);
        }
        catch (ExpressionException ex)
        {
            throw new ConfigurationException(ex.Message, origin, path, inner: ex);
        }
    }

    private static object? Find(IReadOnlyDictionary<string, object?> tree, string key)
    {
        if (tree.TryGetValue(key, out var value)) return value;
        foreach (var (name, item) in tree)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase)) return item;
        }
        return null;
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string => "a string",
        long or int or double or decimal => "a number",
        bool => "a boolean",
        IReadOnlyDictionary<string, object?> => "a map",
        IList<object?> => "a list",
        _ => value.GetType().Name,
    };
}
