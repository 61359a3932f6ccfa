namespace OpsAutomation.Models.Metrics;

/// <summary>A custom metric defined by New-Metric, with its current series.</summary>
public sealed record MetricDefinition
{
    /// <summary>The metric's name.</summary>
    public required string Name { get; init; }

    /// <summary>The metric's type.</summary>
    public required MetricType Type { get; init; }

    /// <summary>The help text Prometheus shows.</summary>
    public required string Help { get; init; }

    /// <summary>The label names every series carries, in order.</summary>
    public IReadOnlyList<string> LabelName { get; init; } = [];

    /// <summary>Histogram bucket upper bounds (+Inf is implied); empty for the other types.</summary>
    public IReadOnlyList<double> Bucket { get; init; } = [];

    /// <summary>Summary quantiles; empty for the other types.</summary>
    public IReadOnlyList<double> Quantile { get; init; } = [];

    /// <summary>The most series the metric keeps; label sets beyond it are refused.</summary>
    public int MaxSeries { get; init; }

    /// <summary>Label sets refused because the metric had MaxSeries series already.</summary>
    public long DroppedSeries { get; init; }

    /// <summary>The series the metric holds now, ordered by label values.</summary>
    public IReadOnlyList<MetricSeries> Series { get; init; } = [];

    /// <summary>How many series the metric holds.</summary>
    public int SeriesCount => Series.Count;

    /// <summary>When this was read or done.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
