using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Metrics;

/// <summary>What New-Metric defines.</summary>
public sealed record CustomMetricOptions
{
    /// <summary>The series a metric keeps unless told otherwise.</summary>
    public const int DefaultMaxSeries = 1000;

    public required string Name { get; init; }

    public required MetricType Type { get; init; }

    /// <summary>Required: Prometheus shows it, and promtool refuses a metric without it.</summary>
    public required string Help { get; init; }

    public IReadOnlyList<string> LabelNames { get; init; } = [];

    /// <summary>Histogram bucket upper bounds, strictly increasing; empty means prometheus-net's defaults (5 ms to 10 s).</summary>
    public IReadOnlyList<double> Buckets { get; init; } = [];

    /// <summary>Summary quantiles in (0, 1); empty exposes only _sum and _count.</summary>
    public IReadOnlyList<double> Quantiles { get; init; } = [];

    /// <summary>Label sets beyond this many series are refused and counted as dropped. Default 1,000.</summary>
    public int MaxSeries { get; init; } = DefaultMaxSeries;
}
