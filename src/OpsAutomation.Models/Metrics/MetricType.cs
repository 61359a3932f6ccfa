namespace OpsAutomation.Models.Metrics;

/// <summary>The Prometheus metric types New-Metric defines.</summary>
public enum MetricType
{
    /// <summary>Only goes up; its name ends in _total.</summary>
    Counter,
    /// <summary>Goes up and down, or is set.</summary>
    Gauge,
    /// <summary>Counts observations into buckets, with their sum and count.</summary>
    Histogram,
    /// <summary>Observations' sum, count and sliding-window quantiles.</summary>
    Summary,
}
