namespace OpsAutomation.Models.Metrics;

/// <summary>
/// A quantile of one histogram or summary series: estimated from a histogram's buckets as
/// Prometheus's histogram_quantile does, or the value a summary reports for that quantile.
/// </summary>
public sealed record MetricQuantile
{
    /// <summary>The histogram or summary family.</summary>
    public required string Family { get; init; }

    /// <summary>The series' labels, without le or quantile.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Between 0 and 1, such as 0.95.</summary>
    public required double Quantile { get; init; }

    /// <summary>NaN when the histogram has no observations or no +Inf bucket.</summary>
    public required double Value { get; init; }

    /// <summary>Histogram (estimated), GaugeHistogram (estimated) or Summary (as reported).</summary>
    public required MetricType Type { get; init; }

    /// <summary>For histograms: how many observations the estimate rests on.</summary>
    public double? Observations { get; init; }

    /// <summary>The URI that was scraped.</summary>
    public Uri? Source { get; init; }

    /// <summary>When the scrape (the second one, for a windowed estimate) was taken.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
