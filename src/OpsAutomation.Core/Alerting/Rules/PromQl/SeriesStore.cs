namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>
/// In-memory series storage: series keyed by their sorted label set, an inverted index of label
/// values for selection, points found by binary search on timestamps. Fill it, then query it:
/// queries may run concurrently with each other, but not with <see cref="Add"/>.
/// </summary>
public sealed class SeriesStore : ISeriesSource
{
    /// <summary>Prometheus's stale marker: the NaN with bits 0x7ff0000000000002 that ends a series.</summary>
    public static readonly double StaleMarker = BitConverter.Int64BitsToDouble(0x7ff0000000000002);

    // Series by an order-independent hash of their labels, so that Add finds a series without building its label set.
    private readonly Dictionary<int, List<StoredSeries>> _byContentHash = [];
    private readonly List<StoredSeries> _all = [];
    private StoredSeries? _last;
    private IReadOnlyDictionary<string, string>? _lastLabels;
    // label name -> value -> indexes into _all, in increasing order.
    private readonly Dictionary<string, Dictionary<string, List<int>>> _postings = new(StringComparer.Ordinal);

    public int SeriesCount => _all.Count;

    public static bool IsStale(double value) => BitConverter.DoubleToInt64Bits(value) == 0x7ff0000000000002;

    /// <summary>
    /// Appends a point; labels include "__name__". Points of one series must come in increasing
    /// time order: an older or equal timestamp is an ArgumentException naming the series and the time.
    /// </summary>
    public void Add(IReadOnlyDictionary<string, string> labels, long timestampMs, double value)
    {
        ArgumentNullException.ThrowIfNull(labels);
        // Points of one series usually come one after another with the same dictionary: check its content, not its hash.
        if (_last is { } last && ReferenceEquals(labels, _lastLabels) && labels.Count == last.LabelSet.Count && last.LabelSet.IsContentOf(labels))
        {
            Append(last, timestampMs, value);
            return;
        }
        var (hash, count) = ContentHash(labels);
        StoredSeries? series = null;
        if (_byContentHash.TryGetValue(hash, out var candidates))
        {
            foreach (var candidate in candidates)
            {
                if (candidate.LabelSet.Count == count && candidate.LabelSet.IsContentOf(labels)) series = candidate;
            }
        }
        else
        {
            _byContentHash[hash] = candidates = [];
        }
        if (series is null)
        {
            var key = LabelSet.From(labels);
            series = new StoredSeries(key);
            candidates.Add(series);
            var index = _all.Count;
            _all.Add(series);
            foreach (var label in key.Labels)
            {
                if (!_postings.TryGetValue(label.Name, out var values)) _postings[label.Name] = values = new Dictionary<string, List<int>>(StringComparer.Ordinal);
                if (!values.TryGetValue(label.Value, out var ids)) values[label.Value] = ids = [];
                ids.Add(index);
            }
        }
        _last = series;
        _lastLabels = labels;
        Append(series, timestampMs, value);
    }

    private static void Append(StoredSeries series, long timestampMs, double value)
    {
        var timestamps = series.TimestampList;
        if (timestamps.Count > 0 && timestamps[^1] >= timestampMs)
        {
            throw new ArgumentException(
                $"series {series.LabelSet}: a point at {timestampMs} ms ({DateTimeOffset.FromUnixTimeMilliseconds(timestampMs):O}) does not come after the last one at {timestamps[^1]} ms",
                nameof(timestampMs));
        }
        timestamps.Add(timestampMs);
        series.ValueList.Add(value);
    }

    private static (int Hash, int Count) ContentHash(IReadOnlyDictionary<string, string> labels)
    {
        int hash = 0, count = 0;
        foreach (var (name, value) in labels)
        {
            if (string.IsNullOrEmpty(value)) continue;
            hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(name), StringComparer.Ordinal.GetHashCode(value));
            count++;
        }
        return (hash, count);
    }

    public IEnumerable<StoredSeries> Select(IReadOnlyList<LabelMatcher> matchers, long minTimestampMs, long maxTimestampMs)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        // The smallest posting list of an equality matcher with a value bounds the candidates.
        List<int>? candidates = null;
        foreach (var matcher in matchers)
        {
            if (matcher.Type != LabelMatchType.Equal || matcher.Value.Length == 0) continue;
            if (!_postings.TryGetValue(matcher.Name, out var values) || !values.TryGetValue(matcher.Value, out var ids)) return [];
            if (candidates is null || ids.Count < candidates.Count) candidates = ids;
        }
        var result = new List<StoredSeries>();
        if (candidates is null)
        {
            foreach (var series in _all) AddIfSelected(series);
        }
        else
        {
            foreach (var id in candidates) AddIfSelected(_all[id]);
        }
        return result;

        void AddIfSelected(StoredSeries series)
        {
            for (var i = 0; i < matchers.Count; i++)
            {
                if (!matchers[i].Matches(series.LabelSet.Get(matchers[i].Name))) return;
            }
            if (series.HasPointIn(minTimestampMs, maxTimestampMs)) result.Add(series);
        }
    }
}
