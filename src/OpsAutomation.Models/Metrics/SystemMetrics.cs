namespace OpsAutomation.Models.Metrics;

/// <summary>One sample of a machine's state: gauges read at the end of the sample, rates and CPU busy shares over its interval.</summary>
public sealed record SystemMetrics
{
    /// <summary>The machine's host name.</summary>
    public required string HostName { get; init; }

    /// <summary>When the sample ended.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The interval the rates and busy percentages were measured over.</summary>
    public required TimeSpan SampleInterval { get; init; }

    /// <summary>Time since the machine booted.</summary>
    public required TimeSpan Uptime { get; init; }

    /// <summary>Processes running on the machine.</summary>
    public int ProcessCount { get; init; }

    /// <summary>The 1-minute load average; null where the platform has none (Windows).</summary>
    public double? LoadAverage1 { get; init; }

    /// <summary>The 5-minute load average; null where the platform has none (Windows).</summary>
    public double? LoadAverage5 { get; init; }

    /// <summary>The 15-minute load average; null where the platform has none (Windows).</summary>
    public double? LoadAverage15 { get; init; }

    /// <summary>CPU busy shares over the interval.</summary>
    public required CpuMetrics Cpu { get; init; }

    /// <summary>Memory and swap at the end of the interval.</summary>
    public required MemoryMetrics Memory { get; init; }

    /// <summary>One entry per mounted real filesystem.</summary>
    public required IReadOnlyList<DiskMetrics> Disks { get; init; }

    /// <summary>One entry per network interface.</summary>
    public required IReadOnlyList<NetworkInterfaceMetrics> Network { get; init; }

    /// <summary>The fullest filesystem's used percentage, or 0 without filesystems.</summary>
    public double DiskUsedPercentMax => Disks.Count == 0 ? 0 : Disks.Max(d => d.UsedPercent);

    /// <summary>Bytes received per second over every interface.</summary>
    public double NetworkReceiveBytesPerSecond => Network.Sum(n => n.ReceiveBytesPerSecond);

    /// <summary>Bytes sent per second over every interface.</summary>
    public double NetworkTransmitBytesPerSecond => Network.Sum(n => n.TransmitBytesPerSecond);

    /// <inheritdoc />
    public override string ToString() =>
        $"{HostName}: CPU {Cpu.BusyPercent:0.#}%, memory {Memory.UsedPercent:0.#}%, disk max {DiskUsedPercentMax:0.#}%";
}
