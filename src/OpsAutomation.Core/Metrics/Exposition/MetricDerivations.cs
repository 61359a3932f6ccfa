using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>What PromQL would compute from samples: rates, histogram quantiles, summary quantiles, error ratios.</summary>
public static class MetricDerivations
{
    /// <summary>
    /// The per-second rate of every counter series present in both scrapes. A counter lower in
    /// the later scrape was reset; as Prometheus's rate() does, its value after the reset counts
    /// as the increase. The interval is that of the samples' own timestamps when both have one,
    /// else that of the scrapes.
    /// </summary>
    public static IEnumerable<MetricRate> Rates(IEnumerable<MetricSample> earlier, IEnumerable<MetricSample> later)
    {
        var before = earlier.Where(IsCounterValue).ToDictionary(SeriesKey, StringComparer.Ordinal);
        foreach (var sample in later.Where(IsCounterValue))
        {
            if (!before.TryGetValue(SeriesKey(sample), out var previous)) continue;
            var interval = sample.Timestamp is { } t && previous.Timestamp is { } p ? t - p : sample.ScrapedAt - previous.ScrapedAt;
            if (interval <= TimeSpan.Zero) continue;
            var reset = sample.Value < previous.Value;
            var increase = reset ? sample.Value : sample.Value - previous.Value;
            yield return new MetricRate
            {
                Name = sample.Name, Labels = sample.Labels, Family = sample.Family, Increase = increase, Rate = increase / interval.TotalSeconds,
                Interval = interval, CounterReset = reset, Source = sample.Source, Timestamp = sample.ScrapedAt,
            };
        }
    }

    /// <summary>
    /// histogram_quantile for every histogram series of <paramref name="samples"/> (cumulative
    /// counts, or increases between two scrapes for a windowed estimate), with the same rules:
    /// linear interpolation inside the bucket, the lowest bucket starting at 0 (or at its bound
    /// when that is not positive), the +Inf bucket answered with the highest finite bound, NaN
    /// without observations or without a +Inf bucket, -Inf/+Inf for q below 0/above 1.
    /// </summary>
    public static IEnumerable<MetricQuantile> HistogramQuantiles(IEnumerable<MetricSample> samples, IReadOnlyList<double> quantiles)
    {
        var series = samples
            .Where(s => s.Type is MetricType.Histogram or MetricType.GaugeHistogram && s.Name == s.Family + "_bucket" && s.Labels.ContainsKey("le"))
            .GroupBy(s => s.Family + SeriesKey(s.Labels, "le"), StringComparer.Ordinal);
        foreach (var group in series)
        {
            var first = group.First();
            var buckets = group.Select(s => (Bound: ExpositionParser.ParseNumber(s.Labels["le"], allowSpecial: true) ?? double.NaN, Count: s.Value)).ToList();
            foreach (var q in quantiles)
            {
                yield return new MetricQuantile
                {
                    Family = first.Family, Labels = Without(first.Labels, "le"), Quantile = q, Value = BucketQuantile(q, buckets),
                    Type = first.Type, Observations = buckets.Where(b => double.IsPositiveInfinity(b.Bound)).Select(b => b.Count).FirstOrDefault(double.NaN),
                    Source = first.Source, Timestamp = first.ScrapedAt,
                };
            }
        }
    }

    /// <summary>The bucket increases between two scrapes as samples, so <see cref="HistogramQuantiles"/> estimates over that window.</summary>
    public static IEnumerable<MetricSample> BucketIncreases(IEnumerable<MetricSample> earlier, IEnumerable<MetricSample> later)
    {
        var before = earlier.Where(IsBucket).ToDictionary(SeriesKey, StringComparer.Ordinal);
        foreach (var sample in later.Where(IsBucket))
        {
            if (before.TryGetValue(SeriesKey(sample), out var previous))
                yield return sample with { Value = sample.Value < previous.Value ? sample.Value : sample.Value - previous.Value };
        }
    }

    /// <summary>The quantiles a summary reports, for those of <paramref name="quantiles"/> it has (all of them when empty).</summary>
    public static IEnumerable<MetricQuantile> SummaryQuantiles(IEnumerable<MetricSample> samples, IReadOnlyList<double> quantiles)
    {
        foreach (var sample in samples.Where(s => s.Type == MetricType.Summary && s.Name == s.Family && s.Labels.ContainsKey("quantile")))
        {
            var q = ExpositionParser.ParseNumber(sample.Labels["quantile"], allowSpecial: false) ?? double.NaN;
            if (quantiles.Count > 0 && !quantiles.Contains(q)) continue;
            yield return new MetricQuantile
            {
                Family = sample.Family, Labels = Without(sample.Labels, "quantile"), Quantile = q, Value = sample.Value, Type = MetricType.Summary,
                Source = sample.Source, Timestamp = sample.ScrapedAt,
            };
        }
    }

    /// <summary>
    /// The error ratio over a window: the summed increase of the error counter's series divided
    /// by that of the total counter's (for example http_requests_total{code=~"5.."} over
    /// http_requests_total), as sum(rate(errors)) / sum(rate(total)) over the same interval.
    /// NaN when nothing was counted.
    /// </summary>
    public static double ErrorRatio(IEnumerable<MetricRate> errors, IEnumerable<MetricRate> total)
    {
        var all = total.Sum(r => r.Increase);
        return all == 0 ? double.NaN : errors.Sum(r => r.Increase) / all;
    }

    /// <summary>Prometheus's bucketQuantile (promql/quantile.go), on cumulative bucket counts.</summary>
    internal static double BucketQuantile(double q, IReadOnlyList<(double Bound, double Count)> input)
    {
        if (double.IsNaN(q)) return double.NaN;
        if (q < 0) return double.NegativeInfinity;
        if (q > 1) return double.PositiveInfinity;
        // Buckets of the same bound are one bucket; counts that went down (a torn scrape) are raised to stay monotonic.
        var buckets = input.GroupBy(b => b.Bound).Select(g => (Bound: g.Key, Count: g.Sum(b => b.Count))).OrderBy(b => b.Bound).ToList();
        if (buckets.Count < 2 || !double.IsPositiveInfinity(buckets[^1].Bound)) return double.NaN;
        var max = double.NegativeInfinity;
        for (var i = 0; i < buckets.Count; i++)
        {
            max = Math.Max(max, buckets[i].Count);
            buckets[i] = buckets[i] with { Count = max };
        }
        var observations = buckets[^1].Count;
        if (observations == 0) return double.NaN;
        var rank = q * observations;
        var b = buckets.FindIndex(x => x.Count >= rank);
        if (b == buckets.Count - 1) return buckets[^2].Bound;
        if (b == 0 && buckets[0].Bound <= 0) return buckets[0].Bound;
        var start = 0.0;
        var count = buckets[b].Count;
        if (b > 0)
        {
            start = buckets[b - 1].Bound;
            count -= buckets[b - 1].Count;
            rank -= buckets[b - 1].Count;
        }
        return start + (buckets[b].Bound - start) * (rank / count);
    }

    private static bool IsCounterValue(MetricSample s) =>
        s.Type == MetricType.Counter && !s.Name.EndsWith("_created", StringComparison.Ordinal) && !double.IsNaN(s.Value);

    private static bool IsBucket(MetricSample s) => s.Type is MetricType.Histogram or MetricType.GaugeHistogram && s.Name == s.Family + "_bucket";

    private static string SeriesKey(MetricSample s) => s.Name + SeriesKey(s.Labels, null);

    private static string SeriesKey(IReadOnlyDictionary<string, string> labels, string? without) =>
        "{" + string.Join(",", labels.Where(l => l.Key != without).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static Dictionary<string, string> Without(IReadOnlyDictionary<string, string> labels, string name) =>
        labels.Where(l => l.Key != name).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
}
