using System.Collections.Concurrent;
using OpsAutomation.Models.Metrics;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// The custom (business) metrics users define with New-Metric, kept in the module's registry
/// beside its own, so /metrics, pushes and textfile exports carry both.
/// </summary>
public sealed class CustomMetricStore
{
    private readonly ConcurrentDictionary<string, CustomMetric> _metrics = new(StringComparer.Ordinal);
    private readonly object _defineGate = new();
    private readonly MetricFactory _factory;
    private readonly Counter _droppedSeries;
    private readonly TimeProvider _time;

    public CustomMetricStore(CollectorRegistry registry, TimeProvider time)
    {
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _time = time;
        _droppedSeries = _factory.CreateCounter("ops_metrics_dropped_series_total",
            "Label sets refused because the custom metric already had its maximum number of series.",
            new CounterConfiguration { LabelNames = ["metric"] });
    }

    /// <summary>
    /// Defines the metric, or returns it when it is already defined the same way (scheduled scripts
    /// define on every run); a different definition under the same name throws.
    /// </summary>
    public MetricDefinition Define(CustomMetricOptions options)
    {
        Validate(options);
        lock (_defineGate)
        {
            if (_metrics.TryGetValue(options.Name, out var existing))
            {
                if (Difference(existing.Options, options) is { } difference)
                    throw new MetricDefinitionException($"Metric '{options.Name}' is already defined with {difference}; a metric cannot be redefined.", conflict: true);
                return existing.Describe(_time.GetUtcNow());
            }
            var metric = new CustomMetric(options, Create(options));
            _metrics[options.Name] = metric;
            return metric.Describe(_time.GetUtcNow());
        }
    }

    /// <summary>
    /// Changes the series of <paramref name="labels"/> (one value per label name of the metric).
    /// A new label set beyond the metric's MaxSeries is refused and counted in ops_metrics_dropped_series_total.
    /// </summary>
    public MetricUpdateOutcome Update(string name, IReadOnlyDictionary<string, string> labels, MetricChange change, double value)
    {
        if (!_metrics.TryGetValue(name, out var metric))
            throw new MetricUpdateException($"Metric '{name}' is not defined; define it with New-Metric first.", metricNotFound: true);
        var options = metric.Options;
        CheckChange(options, change, value);
        var series = metric.Apply(LabelValues(options, labels), change, value, _time.GetUtcNow());
        if (series is not null) return new MetricUpdateOutcome(series, null);
        _droppedSeries.WithLabels(name).Inc();
        return new MetricUpdateOutcome(null,
            $"Metric '{name}' already has its maximum of {options.MaxSeries} series; the label set {Format(labels)} was refused and counted in ops_metrics_dropped_series_total.");
    }

    /// <summary>Every custom metric with its series, by name.</summary>
    public IReadOnlyList<MetricDefinition> List()
    {
        var now = _time.GetUtcNow();
        return [.. _metrics.Values.OrderBy(m => m.Options.Name, StringComparer.Ordinal).Select(m => m.Describe(now))];
    }

    private static void Validate(CustomMetricOptions options)
    {
        if (options.Type is not (MetricType.Counter or MetricType.Gauge or MetricType.Histogram or MetricType.Summary))
            throw new MetricDefinitionException($"Metric '{options.Name}' cannot be a {options.Type}: New-Metric defines a Counter, Gauge, Histogram or Summary.");
        MetricNameRules.ValidateMetricName(options.Name, options.Type);
        if (string.IsNullOrWhiteSpace(options.Help))
            throw new MetricDefinitionException($"Metric '{options.Name}' needs a help text.");
        foreach (var label in options.LabelNames)
            MetricNameRules.ValidateLabelName(options.Name, label, options.Type);
        if (options.LabelNames.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new MetricDefinitionException($"Label name '{duplicate.Key}' of metric '{options.Name}' is given twice.");
        if (options.MaxSeries < 1)
            throw new MetricDefinitionException($"MaxSeries {options.MaxSeries} of metric '{options.Name}' is not valid: it must be at least 1.");
        if (options.Buckets.Count > 0 && options.Type != MetricType.Histogram)
            throw new MetricDefinitionException($"Metric '{options.Name}' is a {options.Type}: only histograms have buckets.");
        if (options.Quantiles.Count > 0 && options.Type != MetricType.Summary)
            throw new MetricDefinitionException($"Metric '{options.Name}' is a {options.Type}: only summaries have quantiles.");
        for (var i = 0; i < options.Buckets.Count; i++)
        {
            var bound = options.Buckets[i];
            if (!double.IsFinite(bound) || i > 0 && bound <= options.Buckets[i - 1])
                throw new MetricDefinitionException($"Bucket {bound} of histogram '{options.Name}' is not valid: bounds are finite and strictly increasing (+Inf is added).");
        }
        foreach (var quantile in options.Quantiles)
        {
            if (!(quantile > 0 && quantile < 1))
                throw new MetricDefinitionException($"Quantile {quantile} of summary '{options.Name}' is not valid: it must be between 0 and 1.");
        }
    }

    private Collector Create(CustomMetricOptions options)
    {
        string[] labels = [.. options.LabelNames];
        return options.Type switch
        {
            MetricType.Counter => _factory.CreateCounter(options.Name, options.Help, new CounterConfiguration { LabelNames = labels }),
            MetricType.Gauge => _factory.CreateGauge(options.Name, options.Help, new GaugeConfiguration { LabelNames = labels }),
            MetricType.Histogram => _factory.CreateHistogram(options.Name, options.Help, new HistogramConfiguration
            {
                LabelNames = labels,
                Buckets = options.Buckets.Count > 0 ? [.. options.Buckets] : null,
            }),
            MetricType.Summary => _factory.CreateSummary(options.Name, options.Help, new SummaryConfiguration
            {
                LabelNames = labels,
                // The usual error allowances: 0.5 +-0.05, 0.9 +-0.01, 0.99 +-0.001.
                Objectives = [.. options.Quantiles.Select(q => new QuantileEpsilonPair(q, Math.Min(q, 1 - q) / 10))],
            }),
            _ => throw new MetricDefinitionException($"Metric type '{options.Type}' is not one of Counter, Gauge, Histogram, Summary."),
        };
    }

    private static string? Difference(CustomMetricOptions existing, CustomMetricOptions wanted)
    {
        if (existing.Type != wanted.Type) return $"type {existing.Type}, not {wanted.Type}";
        if (!existing.LabelNames.SequenceEqual(wanted.LabelNames, StringComparer.Ordinal))
            return $"labels ({string.Join(", ", existing.LabelNames)}), not ({string.Join(", ", wanted.LabelNames)})";
        if (existing.Help != wanted.Help) return $"help '{existing.Help}', not '{wanted.Help}'";
        if (!existing.Buckets.SequenceEqual(wanted.Buckets)) return $"buckets ({string.Join(", ", existing.Buckets)}), not ({string.Join(", ", wanted.Buckets)})";
        if (!existing.Quantiles.SequenceEqual(wanted.Quantiles)) return $"quantiles ({string.Join(", ", existing.Quantiles)}), not ({string.Join(", ", wanted.Quantiles)})";
        if (existing.MaxSeries != wanted.MaxSeries) return $"MaxSeries {existing.MaxSeries}, not {wanted.MaxSeries}";
        return null;
    }

    private static void CheckChange(CustomMetricOptions options, MetricChange change, double value)
    {
        if (!double.IsFinite(value) && change != MetricChange.Set)
            throw new MetricUpdateException($"Value {value} for metric '{options.Name}' is not a finite number.");
        var allowed = (options.Type, change) switch
        {
            (MetricType.Counter, MetricChange.Increment) => value >= 0 ? null : $"counter '{options.Name}' only goes up: {value} is negative",
            (MetricType.Gauge, MetricChange.Increment or MetricChange.Set) => null,
            (MetricType.Histogram or MetricType.Summary, MetricChange.Observe) => null,
            _ => $"a {options.Type.ToString().ToLowerInvariant()} cannot {change.ToString().ToLowerInvariant()}: counters increment, gauges increment or set, histograms and summaries observe",
        };
        if (allowed is not null) throw new MetricUpdateException($"Cannot change metric '{options.Name}': {allowed}.");
    }

    private static string[] LabelValues(CustomMetricOptions options, IReadOnlyDictionary<string, string> labels)
    {
        var unknown = labels.Keys.Where(k => !options.LabelNames.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
            throw new MetricUpdateException($"Metric '{options.Name}' has no label {string.Join(", ", unknown.Select(u => $"'{u}'"))}; its labels are ({string.Join(", ", options.LabelNames)}).");
        var missing = options.LabelNames.Where(n => !labels.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new MetricUpdateException($"Metric '{options.Name}' needs a value for label {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
        return [.. options.LabelNames.Select(n => labels[n])];
    }

    private static string Format(IReadOnlyDictionary<string, string> labels) =>
        "{" + string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{p.Value}\"")) + "}";
}
