namespace OpsAutomation.Models.Metrics;

/// <summary>One mounted filesystem: space at the end of the sample, I/O rates of its block device over the interval.</summary>
public sealed record DiskMetrics
{
    /// <summary>Where it is mounted (Windows: the drive root).</summary>
    public required string MountPoint { get; init; }

    /// <summary>The device it is mounted from, such as /dev/sda1.</summary>
    public required string Device { get; init; }

    /// <summary>The filesystem type, such as ext4 or NTFS.</summary>
    public required string FileSystemType { get; init; }

    /// <summary>Size of the filesystem.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Size less every free block, including blocks reserved for root.</summary>
    public long UsedBytes { get; init; }

    /// <summary>Space an unprivileged user can still write (df's Avail).</summary>
    public long FreeBytes { get; init; }

    /// <summary>Used over used plus free, in percent, as df computes Use%.</summary>
    public double UsedPercent { get; init; }

    /// <summary>Bytes read per second from its block device; null when it has none (network, tmpfs) or the platform does not say.</summary>
    public double? ReadBytesPerSecond { get; init; }

    /// <summary>Bytes written per second to its block device; null when it has none or the platform does not say.</summary>
    public double? WriteBytesPerSecond { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{MountPoint}: {UsedPercent:0.#}% used";
}
