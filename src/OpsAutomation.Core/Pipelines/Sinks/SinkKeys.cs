using System.Globalization;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>The keys a sink checks before it loads a replayed record, and how a taken one is told.</summary>
internal static class SinkKeys
{
    /// <summary>
    /// The sink's declared key (all its columns together), then each unique column of validation
    /// that is a column of the sink, on its own; a unique column the sink does not have cannot be asked about.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> ForReplay(IReadOnlyList<string> key, SinkReplay replay, IEnumerable<string> sinkColumns)
    {
        var columns = sinkColumns.ToHashSet(StringComparer.Ordinal);
        var keys = new List<IReadOnlyList<string>>();
        if (key.Count > 0) keys.Add(key);
        foreach (var unique in replay.UniqueColumns)
        {
            if (columns.Contains(unique) && !(key.Count == 1 && key[0] == unique)) keys.Add([unique]);
        }
        return keys;
    }

    /// <summary>The record's values of <paramref name="key"/>'s columns; null when one is missing or null (a null key equals nothing).</summary>
    public static object?[]? Values(DataRecord record, IReadOnlyList<string> key, int[] indexes, IReadOnlyDictionary<string, int> ordinals)
    {
        var values = new object?[key.Count];
        for (var i = 0; i < key.Count; i++)
        {
            var ordinal = ordinals[key[i]];
            var field = Array.IndexOf(indexes, ordinal);
            if (field < 0 || record.Values[field] is null) return null;
            values[i] = record.Values[field];
        }
        return values;
    }

    /// <summary>Why a replayed record is refused: its key is taken in <paramref name="where"/>.</summary>
    public static string Taken(IReadOnlyList<string> key, object?[] values, string where) =>
        $"{string.Join(", ", key.Select((c, i) => $"{c} = {Convert.ToString(values[i], CultureInfo.InvariantCulture)}"))} is already in {where}: a replay never overwrites a loaded record.";
}
