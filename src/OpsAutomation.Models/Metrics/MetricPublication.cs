namespace OpsAutomation.Models.Metrics;

/// <summary>What Publish-Metric sent to a Pushgateway.</summary>
public sealed record MetricPublication
{
    /// <summary>The group's URL: /metrics/job/&lt;job&gt;/&lt;label&gt;/&lt;value&gt;...</summary>
    public required string Uri { get; init; }

    /// <summary>The group's job label.</summary>
    public required string Job { get; init; }

    /// <summary>The labels beside job that name the group.</summary>
    public IReadOnlyDictionary<string, string> GroupingKey { get; init; } = new Dictionary<string, string>();

    /// <summary>The HTTP method used.</summary>
    public PushGatewayMethod Method { get; init; }

    /// <summary>Bytes of exposition text sent; 0 for Delete.</summary>
    public int Bytes { get; init; }

    /// <summary>When this was read or done.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
