namespace OpsAutomation.Core.Pipelines;

/// <summary>
/// One record: values by field position. Value types: null, string, long, double, decimal, bool,
/// DateTimeOffset, and for nested JSON <see cref="IReadOnlyDictionary{TKey, TValue}"/> /
/// <see cref="IReadOnlyList{T}"/>. CSV sources give strings (and null for an empty unquoted field
/// when the source says so).
/// </summary>
public sealed class DataRecord
{
    public DataRecord(RecordShape shape, object?[] values, long position, string location)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != shape.Count)
            throw new ArgumentException($"The record at {location} has {values.Length} values for {shape.Count} fields.", nameof(values));
        Shape = shape;
        Values = values;
        Position = position;
        Location = location;
    }

    public RecordShape Shape { get; }

    public object?[] Values { get; }

    /// <summary>The 1-based ordinal of the record in its source.</summary>
    public long Position { get; }

    /// <summary>Where a person finds the record, such as <c>orders.csv:17</c> (file:line) or <c>query row 17</c>.</summary>
    public string Location { get; }

    /// <summary>The value of field <paramref name="name"/>; null when the shape has no such field.</summary>
    public object? this[string name] => Shape.IndexOf(name) is var index and >= 0 ? Values[index] : null;
}
