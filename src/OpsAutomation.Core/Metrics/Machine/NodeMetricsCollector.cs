using System.Globalization;
using Prometheus;

namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>
/// The machine's counters under node_exporter's metric names and labels, read at scrape time, so
/// dashboards and alert rules written for node_exporter work unchanged on the module's registry.
/// Interfaces and filesystems that disappear between scrapes are dropped from the exposition.
/// </summary>
public sealed class NodeMetricsCollector
{
    private static readonly string[] FilesystemLabels = ["device", "fstype", "mountpoint"];
    private static readonly string[] DeviceLabel = ["device"];

    private readonly ISystemMetricsSource _source;
    private readonly TimeProvider _time;
    private readonly Counter _cpuSeconds;
    private readonly Gauge _memTotal, _memFree, _memAvailable, _buffers, _cached, _swapTotal, _swapFree;
    private readonly Gauge _filesystemSize, _filesystemFree, _filesystemAvailable;
    private readonly Counter _diskRead, _diskWritten;
    private readonly Counter _receiveBytes, _transmitBytes, _receiveErrors, _transmitErrors, _receiveDrops, _transmitDrops;
    private readonly Gauge _load1, _load5, _load15, _bootTime, _timeSeconds, _procs;

    private NodeMetricsCollector(CollectorRegistry registry, ISystemMetricsSource source, TimeProvider time)
    {
        _source = source;
        _time = time;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Gauge Gauge(string name, string help, string[]? labels = null) =>
            factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels ?? [], SuppressInitialValue = labels is not null });
        Counter Counter(string name, string help, string[] labels) =>
            factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = labels, SuppressInitialValue = true });

        _cpuSeconds = Counter("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", ["cpu", "mode"]);
        _memTotal = Gauge("node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.");
        _memFree = Gauge("node_memory_MemFree_bytes", "Memory information field MemFree_bytes.");
        _memAvailable = Gauge("node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.");
        _buffers = Gauge("node_memory_Buffers_bytes", "Memory information field Buffers_bytes.");
        _cached = Gauge("node_memory_Cached_bytes", "Memory information field Cached_bytes.");
        _swapTotal = Gauge("node_memory_SwapTotal_bytes", "Memory information field SwapTotal_bytes.");
        _swapFree = Gauge("node_memory_SwapFree_bytes", "Memory information field SwapFree_bytes.");
        _filesystemSize = Gauge("node_filesystem_size_bytes", "Filesystem size in bytes.", FilesystemLabels);
        _filesystemFree = Gauge("node_filesystem_free_bytes", "Filesystem free space in bytes.", FilesystemLabels);
        _filesystemAvailable = Gauge("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", FilesystemLabels);
        _diskRead = Counter("node_disk_read_bytes_total", "The total number of bytes read successfully.", DeviceLabel);
        _diskWritten = Counter("node_disk_written_bytes_total", "The total number of bytes written successfully.", DeviceLabel);
        _receiveBytes = Counter("node_network_receive_bytes_total", "Network device statistic receive_bytes.", DeviceLabel);
        _transmitBytes = Counter("node_network_transmit_bytes_total", "Network device statistic transmit_bytes.", DeviceLabel);
        _receiveErrors = Counter("node_network_receive_errs_total", "Network device statistic receive_errs.", DeviceLabel);
        _transmitErrors = Counter("node_network_transmit_errs_total", "Network device statistic transmit_errs.", DeviceLabel);
        _receiveDrops = Counter("node_network_receive_drop_total", "Network device statistic receive_drop.", DeviceLabel);
        _transmitDrops = Counter("node_network_transmit_drop_total", "Network device statistic transmit_drop.", DeviceLabel);
        _load1 = Gauge("node_load1", "1m load average.");
        _load5 = Gauge("node_load5", "5m load average.");
        _load15 = Gauge("node_load15", "15m load average.");
        _bootTime = Gauge("node_boot_time_seconds", "Node boot time, in unixtime.");
        _timeSeconds = Gauge("node_time_seconds", "System time in seconds since epoch (1970).");
        _procs = Gauge("ops_node_processes", "Processes running on the machine (node_exporter has no equivalent by default).");
    }

    /// <summary>Creates the node_* metrics on <paramref name="registry"/> and refreshes them before every collection.</summary>
    public static NodeMetricsCollector Register(CollectorRegistry registry, ISystemMetricsSource source, TimeProvider time)
    {
        var collector = new NodeMetricsCollector(registry, source, time);
        registry.AddBeforeCollectCallback(collector.UpdateAsync);
        return collector;
    }

    /// <summary>Reads a snapshot and sets every metric from it.</summary>
    public async Task UpdateAsync(CancellationToken cancellationToken)
    {
        var snapshot = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);

        var cpuSeries = new List<string[]>();
        foreach (var core in snapshot.Cores)
        {
            var cpu = core.Cpu.ToString(CultureInfo.InvariantCulture);
            foreach (var (mode, seconds) in core.Modes())
            {
                string[] labels = [cpu, mode];
                _cpuSeconds.WithLabels(labels).IncTo(seconds);
                cpuSeries.Add(labels);
            }
        }
        Retire(_cpuSeconds, cpuSeries);

        var memory = snapshot.Memory;
        _memTotal.Set(memory.Total);
        _memFree.Set(memory.Free);
        _memAvailable.Set(memory.Available);
        _buffers.Set(memory.Buffers);
        _cached.Set(memory.Cached);
        _swapTotal.Set(memory.SwapTotal);
        _swapFree.Set(memory.SwapFree);

        var filesystems = snapshot.Filesystems.Select(fs => (Labels: new[] { fs.Device, fs.FileSystemType, fs.MountPoint }, fs)).ToList();
        foreach (var (labels, fs) in filesystems)
        {
            _filesystemSize.WithLabels(labels).Set(fs.Size);
            _filesystemFree.WithLabels(labels).Set(fs.Free);
            _filesystemAvailable.WithLabels(labels).Set(fs.Available);
        }
        foreach (var gauge in new[] { _filesystemSize, _filesystemFree, _filesystemAvailable })
            Retire(gauge, filesystems.Select(f => f.Labels));

        foreach (var (device, io) in snapshot.DiskIo)
        {
            _diskRead.WithLabels(device).IncTo(io.ReadBytes);
            _diskWritten.WithLabels(device).IncTo(io.WrittenBytes);
        }
        Retire(_diskRead, snapshot.DiskIo.Keys.Select(d => new[] { d }));
        Retire(_diskWritten, snapshot.DiskIo.Keys.Select(d => new[] { d }));

        foreach (var n in snapshot.Network)
        {
            _receiveBytes.WithLabels(n.Device).IncTo(n.ReceiveBytes);
            _transmitBytes.WithLabels(n.Device).IncTo(n.TransmitBytes);
            _receiveErrors.WithLabels(n.Device).IncTo(n.ReceiveErrors);
            _transmitErrors.WithLabels(n.Device).IncTo(n.TransmitErrors);
            _receiveDrops.WithLabels(n.Device).IncTo(n.ReceiveDrops);
            _transmitDrops.WithLabels(n.Device).IncTo(n.TransmitDrops);
        }
        var interfaces = snapshot.Network.Select(n => new[] { n.Device }).ToList();
        foreach (var counter in new[] { _receiveBytes, _transmitBytes, _receiveErrors, _transmitErrors, _receiveDrops, _transmitDrops })
            Retire(counter, interfaces);

        if (snapshot.Load is { } load)
        {
            _load1.Set(load.One);
            _load5.Set(load.Five);
            _load15.Set(load.Fifteen);
        }
        _bootTime.Set(snapshot.BootTime.ToUnixTimeSeconds());
        _timeSeconds.Set(_time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        _procs.Set(snapshot.ProcessCount);
    }

    /// <summary>Removes the series of <paramref name="metric"/> whose labels are not in <paramref name="current"/>.</summary>
    private static void Retire<TChild>(Collector<TChild> metric, IEnumerable<string[]> current)
        where TChild : ChildBase
    {
        var keep = current.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var labels in metric.GetAllLabelValues().ToList())
        {
            if (!keep.Contains(Key(labels))) metric.RemoveLabelled(labels);
        }
    }

    private static string Key(string[] labels) => string.Join('\u0001', labels);
}
