namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// One <see cref="RecordShape"/> per distinct key list (names in order), for sources whose records
/// may differ: JSON objects and pipeline dictionaries. A stream of like records shares one shape
/// instance and the names are not kept once per record. Past <see cref="Limit"/> distinct lists the
/// cache stops growing and further shapes are made per record, so memory stays bounded.
/// </summary>
internal sealed class RecordShapeCache
{
    public const int Limit = 1024;

    private readonly Dictionary<string, RecordShape> _shapes = new(StringComparer.Ordinal);

    /// <summary>The shape most recently returned: sources compare against it first, without building a key.</summary>
    public RecordShape? Last { get; private set; }

    /// <summary>The shape for <paramref name="names"/>; ArgumentException for duplicate or empty names.</summary>
    public RecordShape Get(IReadOnlyList<string> names)
    {
        var key = string.Join('\0', names);
        if (!_shapes.TryGetValue(key, out var shape))
        {
            shape = new RecordShape(names);
            if (_shapes.Count < Limit) _shapes.Add(key, shape);
        }
        Last = shape;
        return shape;
    }

    /// <summary>Marks <paramref name="shape"/> (from <see cref="Last"/>) as used again.</summary>
    public RecordShape Reuse(RecordShape shape) => Last = shape;
}
