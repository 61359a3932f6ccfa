namespace OpsAutomation.Models.Metrics;

/// <summary>A Prometheus metric type: as a TYPE line declares it (no line is Unknown), or as New-Metric defines it (Counter, Gauge, Histogram, Summary).</summary>
public enum MetricType
{
    /// <summary>"untyped" in text format 0.0.4, "unknown" in OpenMetrics, or no TYPE line.</summary>
    Unknown,
    /// <summary>A monotonically increasing count.</summary>
    Counter,
    /// <summary>A value that goes up and down.</summary>
    Gauge,
    /// <summary>Cumulative buckets (le), a count and a sum.</summary>
    Histogram,
    /// <summary>Quantiles as the client computed them, a count and a sum.</summary>
    Summary,

    /// <summary>OpenMetrics only.</summary>
    GaugeHistogram,

    /// <summary>OpenMetrics only.</summary>
    StateSet,

    /// <summary>OpenMetrics only.</summary>
    Info,
}
