namespace OpsAutomation.Core.Pipelines.Records;

/// <summary>The field names of one stream, shared by all its records (ordinal, case-sensitive).</summary>
public sealed class RecordShape
{
    private readonly Dictionary<string, int> _indexes;

    /// <exception cref="ArgumentException">A name is empty or appears twice.</exception>
    public RecordShape(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _indexes = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrEmpty(names[i]))
                throw new ArgumentException($"field {i + 1} has an empty name", nameof(names));
            if (!_indexes.TryAdd(names[i], i))
                throw new ArgumentException($"the field name '{names[i]}' appears twice", nameof(names));
        }
        Names = names;
    }

    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <returns>The field's position, or -1 when the shape has no such field.</returns>
    public int IndexOf(string name) => _indexes.TryGetValue(name, out var index) ? index : -1;
}
