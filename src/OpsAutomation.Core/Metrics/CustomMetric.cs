using OpsAutomation.Models.Metrics;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// One custom metric in the registry and the series it holds. Series are tracked here rather than
/// read back from prometheus-net so the cardinality guard can refuse a label set before
/// prometheus-net creates (and forever exports) it.
/// </summary>
internal sealed class CustomMetric
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly Collector _collector;
    private long _dropped;

    public CustomMetric(CustomMetricOptions options, Collector collector)
    {
        Options = options;
        _collector = collector;
        // A metric without labels has its one series from the start; prometheus-net exports it at 0.
        if (options.LabelNames.Count == 0) _series[string.Empty] = new Series([], (object)collector);
    }

    public CustomMetricOptions Options { get; }

    /// <summary>Applies the change to the series of <paramref name="labelValues"/>; null when the guard refused a new series.</summary>
    public MetricSeries? Apply(string[] labelValues, MetricChange change, double value, DateTimeOffset now)
    {
        var series = Find(labelValues);
        if (series is null) return null;
        lock (series)
        {
            switch (series.Child)
            {
                case ICounter counter: counter.Inc(value); break;
                case IGauge gauge when change == MetricChange.Set: gauge.Set(value); break;
                case IGauge gauge: gauge.Inc(value); break;
                case IObserver observer:
                    observer.Observe(value);
                    series.Count++;
                    series.Sum += value;
                    break;
            }
            return ToModel(series, now);
        }
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public MetricDefinition Describe(DateTimeOffset now)
    {
        List<Series> series;
        lock (_gate) series = [.. _series.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value)];
        return new MetricDefinition
        {
            Name = Options.Name,
            Type = Options.Type,
            Help = Options.Help,
            LabelName = Options.LabelNames,
            Bucket = Options.Buckets,
            Quantile = Options.Quantiles,
            MaxSeries = Options.MaxSeries,
            DroppedSeries = Dropped,
            Series = [.. series.Select(s => { lock (s) return ToModel(s, now); })],
            Timestamp = now,
        };
    }

    private Series? Find(string[] labelValues)
    {
        var key = string.Join('\0', labelValues);
        lock (_gate)
        {
            if (_series.TryGetValue(key, out var existing)) return existing;
            if (_series.Count >= Options.MaxSeries)
            {
                Interlocked.Increment(ref _dropped);
                return null;
            }
            var created = new Series(labelValues, ChildOf(labelValues));
            _series[key] = created;
            return created;
        }
    }

    private object ChildOf(string[] labelValues) => _collector switch
    {
        Counter counter => counter.WithLabels(labelValues),
        Gauge gauge => gauge.WithLabels(labelValues),
        Histogram histogram => histogram.WithLabels(labelValues),
        Summary summary => summary.WithLabels(labelValues),
        _ => throw new InvalidOperationException($"Unexpected collector type {_collector.GetType().Name}."),
    };

    private MetricSeries ToModel(Series series, DateTimeOffset now) => new()
    {
        Name = Options.Name,
        Type = Options.Type,
        Label = Options.LabelNames.Select((name, i) => (name, series.LabelValues[i])).ToDictionary(p => p.name, p => p.Item2, StringComparer.Ordinal),
        Value = series.Child switch
        {
            ICounter counter => counter.Value,
            IGauge gauge => gauge.Value,
            _ => series.Sum,
        },
        Count = series.Child is IObserver ? series.Count : null,
        Timestamp = now,
    };

    /// <summary>A series' prometheus-net child and, for observations, the count and sum it does not expose for summaries.</summary>
    private sealed class Series(string[] labelValues, object child)
    {
        public string[] LabelValues { get; } = labelValues;

        public object Child { get; } = child;

        public long Count { get; set; }

        public double Sum { get; set; }
    }
}
