namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>One stored series: labels (including "__name__") and its points in time order.</summary>
public sealed class StoredSeries
{
    internal StoredSeries(LabelSet labels)
    {
        LabelSet = labels;
        Labels = labels.ToDictionary();
        TimestampList = [];
        ValueList = [];
    }

    /// <summary>A series for a custom <see cref="ISeriesSource"/>; timestamps (unix ms) must increase strictly.</summary>
    public StoredSeries(IReadOnlyDictionary<string, string> labels, IReadOnlyList<long> timestamps, IReadOnlyList<double> values)
        : this(LabelSet.From(labels ?? throw new ArgumentNullException(nameof(labels))))
    {
        ArgumentNullException.ThrowIfNull(timestamps);
        ArgumentNullException.ThrowIfNull(values);
        if (timestamps.Count != values.Count)
            throw new ArgumentException($"series {LabelSet} has {timestamps.Count} timestamps but {values.Count} values", nameof(values));
        for (var i = 0; i < timestamps.Count; i++)
        {
            if (i > 0 && timestamps[i] <= timestamps[i - 1])
                throw new ArgumentException($"series {LabelSet}: timestamp {timestamps[i]} does not follow {timestamps[i - 1]}", nameof(timestamps));
            TimestampList.Add(timestamps[i]);
            ValueList.Add(values[i]);
        }
    }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Unix milliseconds, increasing.</summary>
    public IReadOnlyList<long> Timestamps => TimestampList;

    public IReadOnlyList<double> Values => ValueList;

    internal LabelSet LabelSet { get; }

    internal List<long> TimestampList { get; }

    internal List<double> ValueList { get; }

    /// <summary>Whether a point lies in [min, max].</summary>
    internal bool HasPointIn(long minTimestampMs, long maxTimestampMs)
    {
        var i = LowerBound(minTimestampMs);
        return i < TimestampList.Count && TimestampList[i] <= maxTimestampMs;
    }

    /// <summary>Index of the first point at or after <paramref name="timestampMs"/> (Count when none).</summary>
    internal int LowerBound(long timestampMs)
    {
        int lo = 0, hi = TimestampList.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (TimestampList[mid] < timestampMs) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
