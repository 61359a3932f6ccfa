using System.Globalization;
using System.Text.Json;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>What a sink column holds; decides the column type of a table the sink creates.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The members are the type names a pipeline spec uses.")]
public enum SinkColumnType
{
    /// <summary>No declared type: the value's own type is stored.</summary>
    Any,
    Text,
    Integer,
    Real,

    /// <summary>Exact decimals: text in SQLite (which has no decimal type), numeric in PostgreSQL.</summary>
    Decimal,
    Boolean,

    /// <summary>A time: ISO 8601 text in SQLite, timestamptz in PostgreSQL.</summary>
    DateTime,

    /// <summary>Nested objects and arrays: JSON text in SQLite, jsonb in PostgreSQL.</summary>
    Json,
}

/// <summary>One column of a sink's table.</summary>
public sealed record SinkColumn(string Name, SinkColumnType Type)
{
    /// <summary>The column type a value suggests, for a table created from the first record when no schema says.</summary>
    public static SinkColumnType Infer(object? value) => value switch
    {
        long or int => SinkColumnType.Integer,
        double or float => SinkColumnType.Real,
        decimal => SinkColumnType.Decimal,
        bool => SinkColumnType.Boolean,
        DateTimeOffset or DateTime => SinkColumnType.DateTime,
        string => SinkColumnType.Text,
        IReadOnlyDictionary<string, object?> or IReadOnlyList<object?> => SinkColumnType.Json,
        _ => SinkColumnType.Any,
    };

    /// <summary>
    /// The columns of a table made from a batch: every field in order of first appearance, typed by
    /// <paramref name="declared"/> where given (the validation rules), else by the first value that tells.
    /// </summary>
    public static List<SinkColumn> FromRecords(IReadOnlyList<DataRecord> records, IReadOnlyDictionary<string, SinkColumnType> declared)
    {
        var columns = new List<SinkColumn>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            for (var i = 0; i < record.Shape.Count; i++)
            {
                var name = record.Shape.Names[i];
                var type = Infer(record.Values[i]);
                if (!seen.TryGetValue(name, out var index)) { seen[name] = columns.Count; columns.Add(new SinkColumn(name, type)); }
                else if (columns[index].Type == SinkColumnType.Any && type != SinkColumnType.Any) columns[index] = columns[index] with { Type = type };
            }
        }
        for (var i = 0; i < columns.Count; i++)
        {
            if (declared.TryGetValue(columns[i].Name, out var type)) columns[i] = columns[i] with { Type = type };
        }
        return columns;
    }

    /// <summary>Nested values as JSON text, times as round-trip ISO 8601, decimals exactly: what text-only targets store.</summary>
    public static object? ToStorable(object? value) => value switch
    {
        null => null,
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        decimal number => number.ToString(CultureInfo.InvariantCulture),
        IReadOnlyDictionary<string, object?> or IReadOnlyList<object?> => JsonSerializer.Serialize(value),
        _ => value,
    };
}
