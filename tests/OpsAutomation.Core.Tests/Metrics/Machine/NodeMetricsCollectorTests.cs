using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Metrics.Machine;
using static OpsAutomation.Core.Tests.Metrics.Machine.ScriptedSource;

namespace OpsAutomation.Core.Tests.Metrics.Machine;

public sealed class NodeMetricsCollectorTests
{
    private static async Task<string[]> ScrapeAsync(Prometheus.CollectorRegistry registry)
    {
        using var buffer = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(buffer);
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n');
    }

    [Fact]
    public async Task Exposes_the_snapshot_under_node_exporter_names_and_labels()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        NodeMetricsCollector.Register(registry, new ScriptedSource(Snapshot(user0: 12.5, idle0: 90, receive: 3000, transmit: 700, read: 4096, written: 8192)), time);

        var lines = await ScrapeAsync(registry);

        Assert.Contains("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 12.5", lines);
        Assert.Contains("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 90", lines);
        Assert.Contains("node_cpu_seconds_total{cpu=\"1\",mode=\"steal\"} 0", lines);
        Assert.Contains("# TYPE node_cpu_seconds_total counter", lines);
        Assert.Contains("node_memory_MemTotal_bytes 1000", lines);
        Assert.Contains("node_memory_MemAvailable_bytes 250", lines);
        Assert.Contains("node_memory_SwapFree_bytes 300", lines);
        Assert.Contains("# TYPE node_memory_MemTotal_bytes gauge", lines);
        Assert.Contains("node_filesystem_size_bytes{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"} 100", lines);
        Assert.Contains("node_filesystem_free_bytes{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"} 20", lines);
        Assert.Contains("node_filesystem_avail_bytes{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"} 10", lines);
        Assert.Contains("node_disk_read_bytes_total{device=\"vda\"} 4096", lines);
        Assert.Contains("node_disk_written_bytes_total{device=\"vda\"} 8192", lines);
        Assert.Contains("node_network_receive_bytes_total{device=\"eth0\"} 3000", lines);
        Assert.Contains("node_network_transmit_bytes_total{device=\"eth0\"} 700", lines);
        Assert.Contains("node_network_receive_errs_total{device=\"eth0\"} 1", lines);
        Assert.Contains("node_network_transmit_drop_total{device=\"eth0\"} 4", lines);
        Assert.Contains("node_load1 0.5", lines);
        Assert.Contains("node_load15 0.125", lines);
        Assert.Contains("node_boot_time_seconds 1700000000", lines);
        Assert.Contains("ops_node_processes 42", lines);
        Assert.Contains("node_time_seconds 1800000000", lines);
    }

    [Fact]
    public async Task Reads_the_machine_again_at_every_scrape_and_drops_interfaces_that_are_gone()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var source = new ScriptedSource(Snapshot(receive: 10, interfaces: ["eth0", "wg0"]), Snapshot(receive: 20, interfaces: ["eth0"]));
        NodeMetricsCollector.Register(registry, source, TimeProvider.System);

        var first = await ScrapeAsync(registry);
        var second = await ScrapeAsync(registry);

        Assert.Contains("node_network_receive_bytes_total{device=\"wg0\"} 10", first);
        Assert.Contains("node_network_receive_bytes_total{device=\"eth0\"} 20", second);
        Assert.DoesNotContain(second, line => line.Contains("wg0", StringComparison.Ordinal));
        Assert.Equal(2, source.Reads);
    }
}
