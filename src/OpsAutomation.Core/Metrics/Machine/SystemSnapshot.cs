namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>
/// The machine's counters and gauges at one moment, as the platform reports them: cumulative
/// counters (CPU seconds, bytes moved) are turned into rates by comparing two snapshots, and are
/// exposed as they are under node_exporter's names.
/// </summary>
public sealed record SystemSnapshot
{
    public required string HostName { get; init; }

    public required DateTimeOffset BootTime { get; init; }

    public required TimeSpan Uptime { get; init; }

    public int ProcessCount { get; init; }

    /// <summary>1, 5 and 15-minute load averages; null where the platform has none.</summary>
    public LoadAverages? Load { get; init; }

    /// <summary>CPU time of each core since boot, ordered by core number.</summary>
    public required IReadOnlyList<CpuTimes> Cores { get; init; }

    public required MemoryCounters Memory { get; init; }

    public required IReadOnlyList<FilesystemUsage> Filesystems { get; init; }

    /// <summary>Bytes read and written since boot, by block device name (sda1, dm-0).</summary>
    public required IReadOnlyDictionary<string, DiskIoCounters> DiskIo { get; init; }

    public required IReadOnlyList<NetworkCounters> Network { get; init; }
}

public readonly record struct LoadAverages(double One, double Five, double Fifteen);

/// <summary>Seconds a CPU spent in each mode since boot; the modes are node_exporter's.</summary>
public sealed record CpuTimes(int Cpu, double User, double Nice, double System, double Idle, double IoWait, double Irq, double SoftIrq, double Steal)
{
    public double Total => User + Nice + System + Idle + IoWait + Irq + SoftIrq + Steal;

    /// <summary>Time neither idle nor waiting for I/O.</summary>
    public double Busy => Total - Idle - IoWait;

    public IEnumerable<(string Mode, double Seconds)> Modes()
    {
        yield return ("user", User);
        yield return ("nice", Nice);
        yield return ("system", System);
        yield return ("idle", Idle);
        yield return ("iowait", IoWait);
        yield return ("irq", Irq);
        yield return ("softirq", SoftIrq);
        yield return ("steal", Steal);
    }
}

/// <summary>Memory in bytes; on Linux the /proc/meminfo fields of the same names.</summary>
public sealed record MemoryCounters
{
    public long Total { get; init; }

    public long Free { get; init; }

    public long Available { get; init; }

    public long Buffers { get; init; }

    public long Cached { get; init; }

    public long SReclaimable { get; init; }

    public long SwapTotal { get; init; }

    public long SwapFree { get; init; }
}

/// <summary>A mounted filesystem's space in bytes, as statvfs reports it.</summary>
public sealed record FilesystemUsage
{
    public required string Device { get; init; }

    public required string MountPoint { get; init; }

    public required string FileSystemType { get; init; }

    public long Size { get; init; }

    /// <summary>Free blocks, including those reserved for root (f_bfree).</summary>
    public long Free { get; init; }

    /// <summary>Free blocks an unprivileged user may use (f_bavail).</summary>
    public long Available { get; init; }

    /// <summary>The key of its block device in <see cref="SystemSnapshot.DiskIo"/>; null when it has none.</summary>
    public string? IoDevice { get; init; }
}

public readonly record struct DiskIoCounters(long ReadBytes, long WrittenBytes);

/// <summary>One interface's counters since boot, as /proc/net/dev lists them.</summary>
public sealed record NetworkCounters(string Device, long ReceiveBytes, long ReceiveErrors, long ReceiveDrops, long TransmitBytes, long TransmitErrors, long TransmitDrops);
