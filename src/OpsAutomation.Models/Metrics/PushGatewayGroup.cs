namespace OpsAutomation.Models.Metrics;

/// <summary>A Pushgateway group older than Remove-PushGatewayGroup's -OlderThan.</summary>
public sealed record PushGatewayGroup
{
    /// <summary>The group's job label.</summary>
    public required string Job { get; init; }

    /// <summary>The group's labels beside job.</summary>
    public IReadOnlyDictionary<string, string> GroupingKey { get; init; } = new Dictionary<string, string>();

    /// <summary>The group's last push, from its push_time_seconds.</summary>
    public DateTimeOffset LastPush { get; init; }

    /// <summary>Time since the last push.</summary>
    public TimeSpan Age { get; init; }

    /// <summary>True when the group was deleted; false under -WhatIf or a declined confirmation.</summary>
    public bool Removed { get; init; }

    /// <summary>When this was read or done.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
