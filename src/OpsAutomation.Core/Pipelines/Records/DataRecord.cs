using System.Globalization;

namespace OpsAutomation.Core.Pipelines;

/// <summary>
/// One record: values by field position. Value types: null, string, long, double, decimal, bool,
/// DateTimeOffset, and for nested JSON <see cref="IReadOnlyDictionary{TKey, TValue}"/> /
/// <see cref="IReadOnlyList{T}"/>. CSV sources give strings (and null for an empty unquoted field
/// when the source says so).
/// </summary>
public sealed class DataRecord
{
    private string? _location;
    private readonly string? _file;
    private readonly long _line;

    public DataRecord(RecordShape shape, object?[] values, long position, string location)
        : this(shape, values, position)
    {
        ArgumentNullException.ThrowIfNull(location);
        _location = location;
    }

    /// <summary>A record at a line of a file: its <see cref="Location"/> is <c>file:line</c>, written out only when read.</summary>
    public DataRecord(RecordShape shape, object?[] values, long position, string file, long line)
        : this(shape, values, position)
    {
        ArgumentNullException.ThrowIfNull(file);
        _file = file;
        _line = line;
    }

    private DataRecord(RecordShape shape, object?[] values, long position)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != shape.Count)
            throw new ArgumentException($"The record at position {position} has {values.Length} values for {shape.Count} fields.", nameof(values));
        Shape = shape;
        Values = values;
        Position = position;
    }

    public RecordShape Shape { get; }

    public object?[] Values { get; }

    /// <summary>The 1-based ordinal of the record in its source.</summary>
    public long Position { get; }

    /// <summary>Where a person finds the record, such as <c>orders.csv:17</c> (file:line) or <c>query row 17</c>.</summary>
    /// <remarks>Most records are loaded and never located: formatting every line number cost an allocation per record.</remarks>
    public string Location => _location ??= string.Create(CultureInfo.InvariantCulture, $"{_file}:{_line}");

    /// <summary>The value of field <paramref name="name"/>; null when the shape has no such field.</summary>
    public object? this[string name] => Shape.IndexOf(name) is var index and >= 0 ? Values[index] : null;

    /// <summary>The same record with other values (a transform's output): its location is kept as it is, formatted or not.</summary>
    public DataRecord With(RecordShape shape, object?[] values) =>
        _location is { } location ? new DataRecord(shape, values, Position, location) : new DataRecord(shape, values, Position, _file!, _line);
}
