using System.Runtime.Versioning;

namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>
/// Reads /proc (under <see cref="ProcRoot"/>) and asks statvfs, through <see cref="DriveInfo"/>, for
/// each real filesystem's size.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxSystemMetricsSource : ISystemMetricsSource
{
    public LinuxSystemMetricsSource(string procRoot = "/proc")
    {
        ProcRoot = procRoot;
    }

    public string ProcRoot { get; }

    public async Task<SystemSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var (cores, bootTime) = ProcParsers.ParseStat(await ReadProcAsync("stat", cancellationToken).ConfigureAwait(false));
        var memory = ProcParsers.ParseMeminfo(await ReadProcAsync("meminfo", cancellationToken).ConfigureAwait(false));
        var load = ProcParsers.ParseLoadAverage(await ReadProcAsync("loadavg", cancellationToken).ConfigureAwait(false));
        var uptime = ProcParsers.ParseUptime(await ReadProcAsync("uptime", cancellationToken).ConfigureAwait(false));
        var diskIo = ProcParsers.ParseDiskStats(await ReadProcAsync("diskstats", cancellationToken).ConfigureAwait(false));
        var network = ProcParsers.ParseNetDev(await ReadProcAsync("net/dev", cancellationToken).ConfigureAwait(false));
        var mounts = ProcParsers.ParseMounts(await ReadProcAsync("mounts", cancellationToken).ConfigureAwait(false));
        return new SystemSnapshot
        {
            HostName = Environment.MachineName,
            BootTime = bootTime,
            Uptime = uptime,
            ProcessCount = CountProcesses(),
            Load = load,
            Cores = cores,
            Memory = memory,
            Filesystems = ReadFilesystems(mounts, diskIo),
            DiskIo = diskIo,
            Network = network,
        };
    }

    private Task<string> ReadProcAsync(string name, CancellationToken cancellationToken) =>
        File.ReadAllTextAsync(Path.Combine(ProcRoot, name), cancellationToken);

    /// <summary>Every numeric directory of /proc is a process.</summary>
    private int CountProcesses() =>
        new DirectoryInfo(ProcRoot).EnumerateDirectories().Count(d => d.Name.All(char.IsAsciiDigit));

    private static List<FilesystemUsage> ReadFilesystems(
        IReadOnlyList<(string Device, string MountPoint, string FileSystemType)> mounts, IReadOnlyDictionary<string, DiskIoCounters> diskIo)
    {
        // A mount point mounted over again shows only its last mount.
        var visible = new Dictionary<string, (string Device, string MountPoint, string FileSystemType)>(StringComparer.Ordinal);
        foreach (var mount in mounts.Where(m => FilesystemFilter.IsIncluded(m.MountPoint, m.FileSystemType)))
            visible[mount.MountPoint] = mount;

        var filesystems = new List<FilesystemUsage>();
        foreach (var (device, mountPoint, type) in visible.Values)
        {
            var usage = Statvfs(mountPoint);
            if (usage is null) continue;
            filesystems.Add(new FilesystemUsage
            {
                Device = device,
                MountPoint = mountPoint,
                FileSystemType = type,
                Size = usage.Value.Size,
                Free = usage.Value.Free,
                Available = usage.Value.Available,
                IoDevice = BlockDeviceName(device, diskIo),
            });
        }
        return filesystems;
    }

    /// <summary>
    /// statvfs of a mount point. A mount that cannot be asked (gone since /proc/mounts was read,
    /// or not readable by this user) is left out, as node_exporter leaves it out.
    /// </summary>
    private static (long Size, long Free, long Available)? Statvfs(string mountPoint)
    {
        try
        {
            var drive = new DriveInfo(mountPoint);
            return (drive.TotalSize, drive.TotalFreeSpace, drive.AvailableFreeSpace);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The /proc/diskstats name of a /dev path, following links such as /dev/mapper/vg-root to dm-0.</summary>
    private static string? BlockDeviceName(string device, IReadOnlyDictionary<string, DiskIoCounters> diskIo)
    {
        if (!device.StartsWith("/dev/", StringComparison.Ordinal)) return null;
        var name = Path.GetFileName(device);
        try
        {
            if (File.ResolveLinkTarget(device, returnFinalTarget: true) is { } target) name = target.Name;
        }
        catch (IOException)
        {
            // Not a link or not there: the name as written is the best guess.
        }
        return diskIo.ContainsKey(name) ? name : null;
    }
}
