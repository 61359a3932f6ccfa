namespace OpsAutomation.Core.Metrics;

/// <summary>How Update-Metric changes a series.</summary>
public enum MetricChange
{
    /// <summary>Add the value: counters and gauges (a counter only goes up).</summary>
    Increment,

    /// <summary>Replace the value: gauges only.</summary>
    Set,

    /// <summary>Record one observation: histograms and summaries only.</summary>
    Observe,
}

/// <summary>The series after a change, or why the change was refused by the cardinality guard.</summary>
public sealed record MetricUpdateOutcome(Models.Metrics.MetricSeries? Series, string? Refused);

/// <summary>A change that cannot apply: an unknown metric, wrong labels, or a change the type does not allow.</summary>
public sealed class MetricUpdateException : Exception
{
    public MetricUpdateException(string message, bool metricNotFound = false) : base(message)
    {
        MetricNotFound = metricNotFound;
    }

    public bool MetricNotFound { get; }
}
