using System.Runtime.CompilerServices;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>
/// Turns pairs of snapshots into <see cref="SystemMetrics"/>: reads, waits the sample interval on
/// the <see cref="TimeProvider"/>, reads again, and derives busy shares and per-second rates.
/// A stream reuses each reading as the start of the next sample, so samples are back to back.
/// </summary>
public sealed class SystemMetricsSampler
{
    private readonly ISystemMetricsSource _source;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;

    public SystemMetricsSampler(ISystemMetricsSource source, SystemMetricsOptions options, TimeProvider time)
    {
        options.Validate();
        _source = source;
        _time = time;
        _interval = options.SampleInterval;
    }

    /// <summary>Samples back to back, <paramref name="count"/> of them, or until cancelled when it is 0.</summary>
    public async IAsyncEnumerable<SystemMetrics> SampleAsync(int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        // Each reading is timed as it starts, so the interval is measured between the same points of both readings.
        var startedAt = _time.GetTimestamp();
        var before = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
        for (var taken = 0; count == 0 || taken < count; taken++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wait = _interval - _time.GetElapsedTime(startedAt);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            var endedAt = _time.GetTimestamp();
            var after = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
            yield return Compute(before, after, _time.GetElapsedTime(startedAt, endedAt), _time.GetUtcNow());
            (before, startedAt) = (after, endedAt);
        }
    }

    /// <summary>The sample between two snapshots taken <paramref name="elapsed"/> apart.</summary>
    public static SystemMetrics Compute(SystemSnapshot before, SystemSnapshot after, TimeSpan elapsed, DateTimeOffset timestamp)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        double Rate(long from, long to) => Math.Max(0, to - from) / seconds;

        var coresBefore = before.Cores.ToDictionary(c => c.Cpu);
        var coreBusy = after.Cores
            .Select(core => coresBefore.TryGetValue(core.Cpu, out var start) ? BusyPercent([start], [core]) : 0)
            .ToList();

        var networkBefore = before.Network.ToDictionary(n => n.Device, StringComparer.Ordinal);
        var network = after.Network.Select(n =>
        {
            var start = networkBefore.GetValueOrDefault(n.Device) ?? n;
            return new NetworkInterfaceMetrics
            {
                Name = n.Device,
                ReceiveBytesPerSecond = Rate(start.ReceiveBytes, n.ReceiveBytes),
                TransmitBytesPerSecond = Rate(start.TransmitBytes, n.TransmitBytes),
                ReceiveErrors = n.ReceiveErrors,
                TransmitErrors = n.TransmitErrors,
                ReceiveDrops = n.ReceiveDrops,
                TransmitDrops = n.TransmitDrops,
            };
        }).ToList();

        var disks = after.Filesystems.Select(fs =>
        {
            DiskIoCounters? from = fs.IoDevice is { } device && before.DiskIo.TryGetValue(device, out var b) ? b : null;
            DiskIoCounters? to = fs.IoDevice is { } key && after.DiskIo.TryGetValue(key, out var a) ? a : null;
            var used = fs.Size - fs.Free;
            return new DiskMetrics
            {
                MountPoint = fs.MountPoint,
                Device = fs.Device,
                FileSystemType = fs.FileSystemType,
                SizeBytes = fs.Size,
                UsedBytes = used,
                FreeBytes = fs.Available,
                UsedPercent = used + fs.Available == 0 ? 0 : 100.0 * used / (used + fs.Available),
                ReadBytesPerSecond = from is { } r0 && to is { } r1 ? Rate(r0.ReadBytes, r1.ReadBytes) : null,
                WriteBytesPerSecond = from is { } w0 && to is { } w1 ? Rate(w0.WrittenBytes, w1.WrittenBytes) : null,
            };
        }).ToList();

        var memory = after.Memory;
        return new SystemMetrics
        {
            HostName = after.HostName,
            Timestamp = timestamp,
            SampleInterval = elapsed,
            Uptime = after.Uptime,
            ProcessCount = after.ProcessCount,
            LoadAverage1 = after.Load?.One,
            LoadAverage5 = after.Load?.Five,
            LoadAverage15 = after.Load?.Fifteen,
            Cpu = new CpuMetrics { BusyPercent = BusyPercent(before.Cores, after.Cores), CoreBusyPercent = coreBusy },
            Memory = new MemoryMetrics
            {
                TotalBytes = memory.Total,
                AvailableBytes = memory.Available,
                CachedBytes = memory.Cached + memory.SReclaimable,
                BuffersBytes = memory.Buffers,
                SwapTotalBytes = memory.SwapTotal,
                SwapUsedBytes = memory.SwapTotal - memory.SwapFree,
            },
            Disks = disks,
            Network = network,
        };
    }

    /// <summary>Busy time over all time that passed between the readings, in percent; 0 when no tick passed.</summary>
    private static double BusyPercent(IReadOnlyList<CpuTimes> before, IReadOnlyList<CpuTimes> after)
    {
        var total = after.Sum(c => c.Total) - before.Sum(c => c.Total);
        var busy = after.Sum(c => c.Busy) - before.Sum(c => c.Busy);
        return total <= 0 ? 0 : Math.Clamp(100 * busy / total, 0, 100);
    }
}
