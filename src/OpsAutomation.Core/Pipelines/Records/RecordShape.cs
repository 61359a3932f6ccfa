namespace OpsAutomation.Core.Pipelines;

/// <summary>The field names of one stream, shared by all its records (ordinal, case-sensitive).</summary>
public sealed class RecordShape
{
    private readonly Dictionary<string, int> _indexes;

    public RecordShape(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _indexes = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        var copy = new string[names.Count];
        List<string>? duplicates = null;
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException($"Field {i + 1} has an empty name.", nameof(names));
            if (!_indexes.TryAdd(name, i))
                (duplicates ??= []).Add(name);
            copy[i] = name;
        }
        if (duplicates is not null)
            throw new ArgumentException($"Duplicate field names: {string.Join(", ", duplicates.Distinct(StringComparer.Ordinal).Select(d => $"'{d}'"))}.", nameof(names));
        Names = copy;
    }

    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The position of <paramref name="name"/>, or -1 when the shape has no such field.</summary>
    public int IndexOf(string name) => _indexes.TryGetValue(name, out var index) ? index : -1;
}
