namespace OpsAutomation.Core.Pipelines.Records;

/// <summary>
/// One record: values by field position. Value types: null, string, long, double, decimal, bool,
/// DateTimeOffset, and for nested JSON IReadOnlyDictionary&lt;string, object?&gt; / IReadOnlyList&lt;object?&gt;.
/// CSV sources give strings (and null for an empty unquoted field when the source says so).
/// </summary>
public sealed class DataRecord
{
    public DataRecord(RecordShape shape, object?[] values, long position, string location)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != shape.Count)
            throw new ArgumentException($"{location}: {values.Length} values for {shape.Count} fields", nameof(values));
        Shape = shape;
        Values = values;
        Position = position;
        Location = location;
    }

    public RecordShape Shape { get; }

    /// <summary>The values, in the order of <see cref="Shape"/>; stages may rewrite them in place (coercion).</summary>
    public object?[] Values { get; }

    /// <summary>The 1-based ordinal of the record in its source.</summary>
    public long Position { get; }

    /// <summary>Where the record came from, for people: "orders.csv:17" or "query row 17".</summary>
    public string Location { get; }

    /// <returns>The value of the field, or null when the shape has no such field.</returns>
    public object? this[string name] => Shape.IndexOf(name) is >= 0 and var index ? Values[index] : null;
}
