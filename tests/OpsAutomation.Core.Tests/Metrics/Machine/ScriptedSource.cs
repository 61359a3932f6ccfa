using OpsAutomation.Core.Metrics.Machine;

namespace OpsAutomation.Core.Tests.Metrics.Machine;

/// <summary>Returns the given snapshots in turn, the last one again when they run out, and counts the reads.</summary>
internal sealed class ScriptedSource(params SystemSnapshot[] snapshots) : ISystemMetricsSource
{
    private readonly SemaphoreSlim _reads = new(0);
    private int _next;

    public int Reads => _next;

    public Task<SystemSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var snapshot = snapshots[Math.Min(_next, snapshots.Length - 1)];
        Interlocked.Increment(ref _next);
        _reads.Release();
        return Task.FromResult(snapshot);
    }

    /// <summary>Waits until one more read has happened.</summary>
    public Task WaitForReadAsync() => _reads.WaitAsync(TimeSpan.FromSeconds(10));

    public static SystemSnapshot Snapshot(
        double user0 = 0, double idle0 = 0, double user1 = 0, double idle1 = 0,
        long receive = 0, long transmit = 0, long read = 0, long written = 0, string[]? interfaces = null) => new()
        {
            HostName = "host1",
            BootTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            Uptime = TimeSpan.FromHours(1),
            ProcessCount = 42,
            Load = new LoadAverages(0.5, 0.25, 0.125),
            Cores = [new CpuTimes(0, user0, 0, 0, idle0, 0, 0, 0, 0), new CpuTimes(1, user1, 0, 0, idle1, 0, 0, 0, 0)],
            Memory = new MemoryCounters { Total = 1000, Free = 100, Available = 250, Buffers = 10, Cached = 300, SReclaimable = 50, SwapTotal = 400, SwapFree = 300 },
            Filesystems =
            [
                new FilesystemUsage { Device = "/dev/vda", MountPoint = "/", FileSystemType = "ext4", Size = 100, Free = 20, Available = 10, IoDevice = "vda" },
                new FilesystemUsage { Device = "tmpfs", MountPoint = "/tmp", FileSystemType = "tmpfs", Size = 50, Free = 50, Available = 50 },
            ],
            DiskIo = new Dictionary<string, DiskIoCounters> { ["vda"] = new(read, written) },
            Network = [.. (interfaces ?? ["eth0"]).Select(name => new NetworkCounters(name, receive, 1, 2, transmit, 3, 4))],
        };
}
