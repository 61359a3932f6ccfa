namespace OpsAutomation.Models.Metrics;

/// <summary>A /metrics endpoint started by Start-MetricsServer.</summary>
public sealed record MetricsServerInfo
{
    /// <summary>The address it listens on.</summary>
    public required string Host { get; init; }

    /// <summary>The port; binds to Stop-MetricsServer -Port.</summary>
    public required int Port { get; init; }

    /// <summary>The URL Prometheus scrapes, such as http://127.0.0.1:9464/metrics.</summary>
    public required string Address { get; init; }

    /// <summary>Whether it also serves the machine's metrics under node_exporter's names.</summary>
    public bool SystemMetrics { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }
}
