namespace OpsAutomation.Models.Metrics;

/// <summary>One network interface: rates over the sample's interval, error and drop counts since boot.</summary>
public sealed record NetworkInterfaceMetrics
{
    /// <summary>The interface name, such as eth0.</summary>
    public required string Name { get; init; }

    /// <summary>Bytes received per second.</summary>
    public double ReceiveBytesPerSecond { get; init; }

    /// <summary>Bytes sent per second.</summary>
    public double TransmitBytesPerSecond { get; init; }

    /// <summary>Received packets with errors, since boot.</summary>
    public long ReceiveErrors { get; init; }

    /// <summary>Packets that failed to send, since boot.</summary>
    public long TransmitErrors { get; init; }

    /// <summary>Received packets dropped, since boot.</summary>
    public long ReceiveDrops { get; init; }

    /// <summary>Outgoing packets dropped, since boot.</summary>
    public long TransmitDrops { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: rx {ReceiveBytesPerSecond:0} B/s, tx {TransmitBytesPerSecond:0} B/s";
}
