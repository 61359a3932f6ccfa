namespace OpsAutomation.Models.Metrics;

/// <summary>Physical memory and swap, in bytes.</summary>
public sealed record MemoryMetrics
{
    /// <summary>Installed memory usable by the system.</summary>
    public long TotalBytes { get; init; }

    /// <summary>Memory that can be given to new work without swapping (Linux MemAvailable).</summary>
    public long AvailableBytes { get; init; }

    /// <summary>Total less available, as free(1) of procps 4 counts it.</summary>
    public long UsedBytes => TotalBytes - AvailableBytes;

    /// <summary>Page cache, including reclaimable kernel slabs (Linux Cached + SReclaimable); 0 where unknown.</summary>
    public long CachedBytes { get; init; }

    /// <summary>Block device buffers (Linux Buffers); 0 where unknown.</summary>
    public long BuffersBytes { get; init; }

    /// <summary>Swap (Windows: page file) size.</summary>
    public long SwapTotalBytes { get; init; }

    /// <summary>Swap (Windows: page file) in use.</summary>
    public long SwapUsedBytes { get; init; }

    /// <summary>Used as a percentage of total.</summary>
    public double UsedPercent => TotalBytes == 0 ? 0 : 100.0 * UsedBytes / TotalBytes;

    /// <inheritdoc />
    public override string ToString() => $"{UsedPercent:0.#}% of {TotalBytes} bytes used";
}
