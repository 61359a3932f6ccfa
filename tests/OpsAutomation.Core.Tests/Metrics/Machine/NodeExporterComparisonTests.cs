using System.Globalization;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Metrics.Machine;

namespace OpsAutomation.Core.Tests.Metrics.Machine;

/// <summary>
/// Our readings of this machine against the real node_exporter's (Debian prometheus-node-exporter,
/// started by ./build.ps1 Test, OPS_TEST_NODEEXPORTER_URL), taken at the same moments: a scrape,
/// our reading, two seconds, our reading, a scrape. Totals must agree exactly; moving values
/// within the tolerances each test names, which allow for the few milliseconds between a scrape
/// and our reading on a busy shared machine.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class NodeExporterComparisonTests(NodeExporterComparisonTests.Measurement measured)
    : IClassFixture<NodeExporterComparisonTests.Measurement>
{
    [Fact]
    public void Memory_total_boot_time_and_core_count_agree_exactly()
    {
        Assert.Equal(measured.NodeAfter.Value("node_memory_MemTotal_bytes"), measured.OursAfter.Memory.Total);
        Assert.Equal(measured.NodeAfter.Value("node_boot_time_seconds"), measured.OursAfter.BootTime.ToUnixTimeSeconds());
        Assert.Equal(measured.NodeAfter.Values("node_cpu_seconds_total", "cpu").Distinct().Count(), measured.OursAfter.Cores.Count);
    }

    [Fact]
    public void Available_memory_agrees_within_2_percent_of_total()
    {
        var total = measured.OursAfter.Memory.Total;
        Assert.InRange(measured.OursAfter.Memory.Available - measured.NodeAfter.Value("node_memory_MemAvailable_bytes"), -0.02 * total, 0.02 * total);
    }

    [Fact]
    public void The_same_filesystems_are_reported_with_the_same_size_and_free_space_within_1_percent()
    {
        var nodeMounts = measured.NodeAfter.Values("node_filesystem_size_bytes", "mountpoint").Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(nodeMounts, measured.OursAfter.Filesystems.Select(f => f.MountPoint).Order(StringComparer.Ordinal));
        Assert.Contains(measured.OursAfter.Filesystems, f => f.MountPoint == "/");
        foreach (var fs in measured.OursAfter.Filesystems)
        {
            var labels = new Dictionary<string, string> { ["mountpoint"] = fs.MountPoint };
            Assert.Equal(measured.NodeAfter.Value("node_filesystem_size_bytes", labels), fs.Size);
            Assert.InRange(fs.Available - measured.NodeAfter.Value("node_filesystem_avail_bytes", labels), -0.01 * fs.Size, 0.01 * fs.Size);
        }
    }

    [Fact]
    public void Load_average_agrees_within_a_fifth_plus_10_percent()
    {
        // /proc/loadavg moves every 5 s; between our reading and the scrape it may have moved once.
        var node = measured.NodeAfter.Value("node_load1");
        Assert.InRange(measured.OursAfter.Load!.Value.One, node - 0.2 - 0.1 * node, node + 0.2 + 0.1 * node);
    }

    [Fact]
    public void Cpu_seconds_of_every_core_and_mode_agree_within_half_a_second()
    {
        foreach (var core in measured.OursAfter.Cores)
        {
            foreach (var (mode, seconds) in core.Modes())
            {
                var node = measured.NodeAfter.Value("node_cpu_seconds_total", new() { ["cpu"] = core.Cpu.ToString(CultureInfo.InvariantCulture), ["mode"] = mode });
                Assert.True(Math.Abs(seconds - node) <= 0.5, $"cpu {core.Cpu} {mode}: ours {seconds}, node_exporter {node}");
            }
        }
    }

    [Fact]
    public void Cpu_busy_share_over_the_interval_agrees_within_5_points()
    {
        var ours = SystemMetricsSampler.Compute(measured.OursBefore, measured.OursAfter, measured.Elapsed, DateTimeOffset.UtcNow).Cpu.BusyPercent;
        double Busy(Exposition e) => e.All("node_cpu_seconds_total").Where(s => s.Labels["mode"] is not ("idle" or "iowait")).Sum(s => s.Value);
        double Total(Exposition e) => e.All("node_cpu_seconds_total").Sum(s => s.Value);
        var node = 100 * (Busy(measured.NodeAfter) - Busy(measured.NodeBefore)) / (Total(measured.NodeAfter) - Total(measured.NodeBefore));
        Assert.InRange(ours, node - 5, node + 5);
    }

    [Fact]
    public void Network_bytes_moved_over_the_interval_agree_within_5_percent_plus_64_KiB()
    {
        var devices = measured.NodeAfter.Values("node_network_receive_bytes_total", "device").ToList();
        Assert.NotEmpty(devices);
        foreach (var device in devices)
        {
            foreach (var (metric, ours) in new[] { ("node_network_receive_bytes_total", (Func<NetworkCounters, long>)(n => n.ReceiveBytes)), ("node_network_transmit_bytes_total", n => n.TransmitBytes) })
            {
                var labels = new Dictionary<string, string> { ["device"] = device };
                var nodeDelta = measured.NodeAfter.Value(metric, labels) - measured.NodeBefore.Value(metric, labels);
                var oursDelta = ours(measured.OursAfter.Network.Single(n => n.Device == device)) - ours(measured.OursBefore.Network.Single(n => n.Device == device));
                Assert.True(Math.Abs(oursDelta - nodeDelta) <= 0.05 * nodeDelta + 65536, $"{metric} {device}: ours moved {oursDelta}, node_exporter {nodeDelta}");
            }
        }
    }

    [Fact]
    public void Disk_bytes_of_every_device_node_exporter_reports_agree_within_5_percent_plus_1_MiB()
    {
        foreach (var device in measured.NodeAfter.Values("node_disk_read_bytes_total", "device"))
        {
            var labels = new Dictionary<string, string> { ["device"] = device };
            var io = measured.OursAfter.DiskIo[device];
            Assert.InRange(io.ReadBytes, measured.NodeAfter.Value("node_disk_read_bytes_total", labels) * 0.95 - 1048576, measured.NodeAfter.Value("node_disk_read_bytes_total", labels) * 1.05 + 1048576);
            Assert.InRange(io.WrittenBytes, measured.NodeAfter.Value("node_disk_written_bytes_total", labels) * 0.95 - 1048576, measured.NodeAfter.Value("node_disk_written_bytes_total", labels) * 1.05 + 1048576);
        }
    }

    /// <summary>The one measurement the tests share: scrape, read, 2 s, read, scrape.</summary>
    public sealed class Measurement : IAsyncLifetime
    {
        public Exposition NodeBefore { get; private set; } = null!;

        public Exposition NodeAfter { get; private set; } = null!;

        public SystemSnapshot OursBefore { get; private set; } = null!;

        public SystemSnapshot OursAfter { get; private set; } = null!;

        public TimeSpan Elapsed { get; private set; }

        public async Task InitializeAsync()
        {
            var url = Environment.GetEnvironmentVariable("OPS_TEST_NODEEXPORTER_URL");
            Assert.False(string.IsNullOrEmpty(url), "These tests need the real node_exporter: run them through ./build.ps1 Test, which starts it and sets OPS_TEST_NODEEXPORTER_URL.");
            using var http = new HttpClient();
            var metrics = new Uri(new Uri(url!), "/metrics");
            var source = new LinuxSystemMetricsSource();

            NodeBefore = Exposition.Parse(await http.GetStringAsync(metrics));
            var started = TimeProvider.System.GetTimestamp();
            OursBefore = await source.ReadAsync(CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Elapsed = TimeProvider.System.GetElapsedTime(started);
            OursAfter = await source.ReadAsync(CancellationToken.None);
            NodeAfter = Exposition.Parse(await http.GetStringAsync(metrics));
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }

    /// <summary>The samples of a Prometheus text exposition; enough of the format for node_exporter's output.</summary>
    public sealed partial class Exposition
    {
        private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

        public static Exposition Parse(string text)
        {
            var exposition = new Exposition();
            foreach (var line in text.Split('\n'))
            {
                var match = SampleLine().Match(line);
                if (!match.Success) continue;
                var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
                exposition._samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
            }
            return exposition;
        }

        public IEnumerable<(Dictionary<string, string> Labels, double Value)> All(string name) =>
            _samples.Where(s => s.Name == name).Select(s => (s.Labels, s.Value));

        public IEnumerable<string> Values(string name, string label) => All(name).Select(s => s.Labels[label]);

        /// <summary>The one sample of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
        public double Value(string name, Dictionary<string, string>? labels = null)
        {
            var matching = All(name).Where(s => labels is null || labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).ToList();
            Assert.True(matching.Count == 1, $"node_exporter has {matching.Count} samples of {name} with {string.Join(',', labels ?? [])}");
            return matching[0].Value;
        }

        [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<labels>.*)\\})? (?<value>\\S+)")]
        private static partial Regex SampleLine();

        [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
        private static partial Regex LabelPair();
    }
}
