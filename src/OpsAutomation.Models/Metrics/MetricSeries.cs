namespace OpsAutomation.Models.Metrics;

/// <summary>One series of a custom metric: its label values and current value.</summary>
public sealed record MetricSeries
{
    /// <summary>The metric's name; binds to Update-Metric -Name.</summary>
    public required string Name { get; init; }

    /// <summary>The metric's type.</summary>
    public required MetricType Type { get; init; }

    /// <summary>Label name to value; binds to Update-Metric -Label.</summary>
    public required IReadOnlyDictionary<string, string> Label { get; init; }

    /// <summary>The counter's or gauge's value; for a histogram or summary, the sum of observations.</summary>
    public double Value { get; init; }

    /// <summary>Observations of a histogram or summary; null for counters and gauges.</summary>
    public long? Count { get; init; }

    /// <summary>When this was read or done.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
