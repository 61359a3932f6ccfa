using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Metrics.Machine;
using OpsAutomation.Models.Metrics;
using static OpsAutomation.Core.Tests.Metrics.Machine.ScriptedSource;

namespace OpsAutomation.Core.Tests.Metrics.Machine;

public sealed class SystemMetricsSamplerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Busy_share_is_busy_time_over_all_time_between_the_readings_per_core_and_in_total()
    {
        var sample = SystemMetricsSampler.Compute(
            Snapshot(user0: 10, idle0: 90, user1: 0, idle1: 100),
            Snapshot(user0: 30, idle0: 170, user1: 50, idle1: 150),
            TimeSpan.FromSeconds(1), Now);

        Assert.Equal([20, 50], sample.Cpu.CoreBusyPercent);
        Assert.Equal(35, sample.Cpu.BusyPercent, 9);
    }

    [Fact]
    public void Busy_share_is_zero_when_no_tick_passed()
    {
        var sample = SystemMetricsSampler.Compute(Snapshot(user0: 1, idle0: 1), Snapshot(user0: 1, idle0: 1), TimeSpan.FromSeconds(1), Now);

        Assert.Equal(0, sample.Cpu.BusyPercent);
    }

    [Fact]
    public void Rates_are_bytes_per_second_over_the_elapsed_time()
    {
        var sample = SystemMetricsSampler.Compute(
            Snapshot(receive: 1000, transmit: 0, read: 0, written: 4096),
            Snapshot(receive: 3000, transmit: 500, read: 8192, written: 4096),
            TimeSpan.FromSeconds(2), Now);

        var eth0 = Assert.Single(sample.Network);
        Assert.Equal(1000, eth0.ReceiveBytesPerSecond);
        Assert.Equal(250, eth0.TransmitBytesPerSecond);
        Assert.Equal((1L, 3L, 2L, 4L), (eth0.ReceiveErrors, eth0.TransmitErrors, eth0.ReceiveDrops, eth0.TransmitDrops));
        var root = sample.Disks[0];
        Assert.Equal(4096, root.ReadBytesPerSecond);
        Assert.Equal(0, root.WriteBytesPerSecond);
    }

    [Fact]
    public void A_counter_that_went_back_after_a_reset_gives_no_negative_rate()
    {
        var sample = SystemMetricsSampler.Compute(Snapshot(receive: 5000), Snapshot(receive: 100), TimeSpan.FromSeconds(1), Now);

        Assert.Equal(0, sample.Network[0].ReceiveBytesPerSecond);
    }

    [Fact]
    public void An_interface_that_appeared_during_the_interval_has_no_rate_yet()
    {
        var sample = SystemMetricsSampler.Compute(Snapshot(receive: 10), Snapshot(receive: 900, interfaces: ["eth0", "wg0"]), TimeSpan.FromSeconds(1), Now);

        Assert.Equal(890, sample.Network.Single(n => n.Name == "eth0").ReceiveBytesPerSecond);
        Assert.Equal(0, sample.Network.Single(n => n.Name == "wg0").ReceiveBytesPerSecond);
    }

    [Fact]
    public void Filesystem_use_is_computed_as_df_does_and_a_filesystem_without_a_block_device_has_no_rates()
    {
        var sample = SystemMetricsSampler.Compute(Snapshot(), Snapshot(), TimeSpan.FromSeconds(1), Now);

        var root = sample.Disks[0];
        Assert.Equal((100L, 80L, 10L), (root.SizeBytes, root.UsedBytes, root.FreeBytes));
        Assert.Equal(100.0 * 80 / 90, root.UsedPercent, 9);
        var tmp = sample.Disks[1];
        Assert.Null(tmp.ReadBytesPerSecond);
        Assert.Null(tmp.WriteBytesPerSecond);
        Assert.Equal(100.0 * 80 / 90, sample.DiskUsedPercentMax, 9);
    }

    [Fact]
    public void Memory_and_the_gauges_come_from_the_second_reading()
    {
        var sample = SystemMetricsSampler.Compute(Snapshot(), Snapshot(), TimeSpan.FromSeconds(1), Now);

        Assert.Equal(new MemoryMetrics { TotalBytes = 1000, AvailableBytes = 250, CachedBytes = 350, BuffersBytes = 10, SwapTotalBytes = 400, SwapUsedBytes = 100 }, sample.Memory);
        Assert.Equal(750, sample.Memory.UsedBytes);
        Assert.Equal(75, sample.Memory.UsedPercent);
        Assert.Equal((0.5, 0.25, 0.125), (sample.LoadAverage1, sample.LoadAverage5, sample.LoadAverage15));
        Assert.Equal(("host1", 42, TimeSpan.FromHours(1), Now), (sample.HostName, sample.ProcessCount, sample.Uptime, sample.Timestamp));
    }

    [Fact]
    public async Task Samples_follow_back_to_back_each_starting_at_the_reading_that_ended_the_last()
    {
        var time = new FakeTimeProvider(Now);
        var source = new ScriptedSource(Snapshot(receive: 0), Snapshot(receive: 1000), Snapshot(receive: 4000));
        var sampler = new SystemMetricsSampler(source, new SystemMetricsOptions { SampleInterval = TimeSpan.FromSeconds(2) }, time);

        var samples = new List<SystemMetrics>();
        var run = Task.Run(async () =>
        {
            await foreach (var sample in sampler.SampleAsync(2, CancellationToken.None)) samples.Add(sample);
        });
        for (var read = 0; read < 2; read++)
        {
            await source.WaitForReadAsync();
            time.Advance(TimeSpan.FromSeconds(2));
        }
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, source.Reads);
        Assert.Equal([500.0, 1500.0], samples.Select(s => s.Network[0].ReceiveBytesPerSecond));
        Assert.All(samples, s => Assert.Equal(TimeSpan.FromSeconds(2), s.SampleInterval));
        Assert.Equal(Now.AddSeconds(4), samples[1].Timestamp);
    }

    [Fact]
    public async Task A_stream_without_a_count_runs_until_cancelled()
    {
        var time = new FakeTimeProvider(Now);
        var source = new ScriptedSource(Snapshot());
        var sampler = new SystemMetricsSampler(source, new SystemMetricsOptions(), time);
        using var stop = new CancellationTokenSource();

        var taken = 0;
        var run = Task.Run(async () =>
        {
            await foreach (var _ in sampler.SampleAsync(0, stop.Token))
            {
                if (++taken == 3) await stop.CancelAsync();
            }
        });
        // The first reading, then one that ends each of the three samples.
        for (var read = 0; read < 4; read++)
        {
            await source.WaitForReadAsync();
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(3, taken);
    }

    [Fact]
    public void An_interval_below_100_ms_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SystemMetricsSampler(new ScriptedSource(Snapshot()), new SystemMetricsOptions { SampleInterval = TimeSpan.FromMilliseconds(50) }, TimeProvider.System));
}
