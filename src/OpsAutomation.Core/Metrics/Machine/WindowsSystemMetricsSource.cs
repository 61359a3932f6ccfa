using System.Diagnostics;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>
/// Windows through .NET and Win32: per-core CPU times from NtQuerySystemInformation, memory from
/// GlobalMemoryStatusEx, fixed drives from DriveInfo, interfaces from NetworkInterface. Windows has
/// no load average and no per-volume byte counters without performance counters, so those stay
/// null. Compiled on every build; not run on Linux.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed partial class WindowsSystemMetricsSource : ISystemMetricsSource
{
    /// <summary>Windows reports times in 100-nanosecond ticks.</summary>
    private const double TicksPerSecond = 10_000_000;

    private const int SystemProcessorPerformanceInformation = 8;

    public Task<SystemSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var uptime = TimeSpan.FromMilliseconds(Environment.TickCount64);
        var memory = ReadMemory();
        var snapshot = new SystemSnapshot
        {
            HostName = Environment.MachineName,
            BootTime = DateTimeOffset.UtcNow - uptime,
            Uptime = uptime,
            ProcessCount = CountProcesses(),
            Load = null,
            Cores = ReadCores(),
            Memory = memory,
            Filesystems = ReadDrives(),
            DiskIo = new Dictionary<string, DiskIoCounters>(),
            Network = ReadInterfaces(),
        };
        return Task.FromResult(snapshot);
    }

    private static int CountProcesses()
    {
        var processes = Process.GetProcesses();
        foreach (var process in processes) process.Dispose();
        return processes.Length;
    }

    /// <summary>Kernel time includes idle time, so system is kernel less idle (and less DPC and interrupt time, reported apart).</summary>
    private static List<CpuTimes> ReadCores()
    {
        var count = Environment.ProcessorCount;
        var entries = new ProcessorPerformance[count];
        var size = Marshal.SizeOf<ProcessorPerformance>() * count;
        var status = NtQuerySystemInformation(SystemProcessorPerformanceInformation, entries, size, out _);
        if (status != 0) throw new InvalidOperationException($"NtQuerySystemInformation(SystemProcessorPerformanceInformation) failed with NTSTATUS 0x{status:X8}.");
        return [.. entries.Select((e, cpu) => new CpuTimes(cpu,
            User: e.UserTime / TicksPerSecond,
            Nice: 0,
            System: (e.KernelTime - e.IdleTime - e.DpcTime - e.InterruptTime) / TicksPerSecond,
            Idle: e.IdleTime / TicksPerSecond,
            IoWait: 0,
            Irq: e.InterruptTime / TicksPerSecond,
            SoftIrq: e.DpcTime / TicksPerSecond,
            Steal: 0))];
    }

    /// <summary>The commit limit is physical memory plus page files, so the page file is the difference.</summary>
    private static MemoryCounters ReadMemory()
    {
        var status = new MemoryStatusEx { Length = (uint)Marshal.SizeOf<MemoryStatusEx>() };
        if (!GlobalMemoryStatusEx(ref status)) throw new InvalidOperationException($"GlobalMemoryStatusEx failed with error {Marshal.GetLastPInvokeError()}.");
        var pageFileTotal = (long)(status.TotalPageFile - Math.Min(status.TotalPageFile, status.TotalPhys));
        var pageFileFree = Math.Min(pageFileTotal, (long)(status.AvailPageFile - Math.Min(status.AvailPageFile, status.AvailPhys)));
        return new MemoryCounters
        {
            Total = (long)status.TotalPhys,
            Free = (long)status.AvailPhys,
            Available = (long)status.AvailPhys,
            SwapTotal = pageFileTotal,
            SwapFree = pageFileFree,
        };
    }

    private static List<FilesystemUsage> ReadDrives() =>
        [.. DriveInfo.GetDrives()
            .Where(d => d.DriveType == DriveType.Fixed && d.IsReady)
            .Select(d => new FilesystemUsage
            {
                Device = d.Name,
                MountPoint = d.RootDirectory.FullName,
                FileSystemType = d.DriveFormat,
                Size = d.TotalSize,
                Free = d.TotalFreeSpace,
                Available = d.AvailableFreeSpace,
            })];

    private static List<NetworkCounters> ReadInterfaces() =>
        [.. NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .Select(n => (n.Name, Statistics: n.GetIPStatistics()))
            .Select(n => new NetworkCounters(n.Name,
                ReceiveBytes: n.Statistics.BytesReceived, ReceiveErrors: n.Statistics.IncomingPacketsWithErrors, ReceiveDrops: n.Statistics.IncomingPacketsDiscarded,
                TransmitBytes: n.Statistics.BytesSent, TransmitErrors: n.Statistics.OutgoingPacketsWithErrors, TransmitDrops: n.Statistics.OutgoingPacketsDiscarded))];

    [StructLayout(LayoutKind.Sequential)]
    private struct ProcessorPerformance
    {
        public long IdleTime;
        public long KernelTime;
        public long UserTime;
        public long DpcTime;
        public long InterruptTime;
        public uint InterruptCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryStatusEx
    {
        public uint Length;
        public uint MemoryLoad;
        public ulong TotalPhys;
        public ulong AvailPhys;
        public ulong TotalPageFile;
        public ulong AvailPageFile;
        public ulong TotalVirtual;
        public ulong AvailVirtual;
        public ulong AvailExtendedVirtual;
    }

    [LibraryImport("ntdll.dll")]
    private static partial int NtQuerySystemInformation(int informationClass, [Out] ProcessorPerformance[] information, int length, out int returnedLength);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GlobalMemoryStatusEx(ref MemoryStatusEx buffer);
}
