namespace OpsAutomation.Models.Metrics;

/// <summary>A metric family's type as its TYPE line declares it; a family without one is Unknown.</summary>
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
