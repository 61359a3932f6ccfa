using OpsAutomation.Core.Metrics.Machine;

namespace OpsAutomation.Core.Tests.Metrics.Machine;

public sealed class ProcParsersTests
{
    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Metrics", "Machine", "Fixtures", name));

    [Fact]
    public void Stat_gives_every_core_in_seconds_and_the_boot_time()
    {
        var (cores, bootTime) = ProcParsers.ParseStat(Fixture("stat"));

        Assert.Equal([0, 1], cores.Select(c => c.Cpu));
        // cpu0 261442 157 32942 383260 812 0 1413 1890 0 0
        Assert.Equal(new CpuTimes(0, 2614.42, 1.57, 329.42, 3832.60, 8.12, 0, 14.13, 18.90), cores[0]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795893834), bootTime);
    }

    [Fact]
    public void Stat_orders_cores_by_number_and_keeps_gaps_of_offline_cores()
    {
        var (cores, _) = ProcParsers.ParseStat("cpu  3 0 0 3\ncpu2 1 0 0 1\ncpu0 2 0 0 2\nbtime 10\n");

        Assert.Equal([0, 2], cores.Select(c => c.Cpu));
    }

    [Fact]
    public void Stat_of_an_old_kernel_without_iowait_and_later_columns_counts_them_as_zero()
    {
        var (cores, _) = ProcParsers.ParseStat("cpu0 100 0 50 850\nbtime 10\n");

        Assert.Equal(new CpuTimes(0, 1, 0, 0.5, 8.5, 0, 0, 0, 0), cores[0]);
        Assert.Equal(1.5, cores[0].Busy, 9);
    }

    [Theory]
    [InlineData("cpu0 1 2 3 4\n")]
    [InlineData("cpu  1 2 3 4\nbtime 10\n")]
    public void Stat_without_a_core_or_boot_time_is_a_format_error(string text) =>
        Assert.Throws<FormatException>(() => ProcParsers.ParseStat(text));

    [Fact]
    public void Meminfo_gives_bytes()
    {
        var memory = ProcParsers.ParseMeminfo(Fixture("meminfo"));

        Assert.Equal(24683656L * 1024, memory.Total);
        Assert.Equal(23420728L * 1024, memory.Free);
        Assert.Equal(23938428L * 1024, memory.Available);
        Assert.Equal(4084L * 1024, memory.Buffers);
        Assert.Equal(745100L * 1024, memory.Cached);
        Assert.Equal(167112L * 1024, memory.SReclaimable);
        Assert.Equal(0, memory.SwapTotal);
    }

    [Fact]
    public void Meminfo_of_a_kernel_without_MemAvailable_estimates_it_from_free_buffers_and_cache()
    {
        var memory = ProcParsers.ParseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\nSwapTotal: 50 kB\nSwapFree: 40 kB\n");

        Assert.Equal(420L * 1024, memory.Available);
        Assert.Equal(40L * 1024, memory.SwapFree);
    }

    [Fact]
    public void Meminfo_without_MemTotal_is_a_format_error() =>
        Assert.Throws<FormatException>(() => ProcParsers.ParseMeminfo("MemFree: 100 kB\n"));

    [Fact]
    public void Loadavg_and_uptime_give_their_first_fields()
    {
        Assert.Equal(new LoadAverages(7.40, 3.96, 2.73), ProcParsers.ParseLoadAverage(Fixture("loadavg")));
        Assert.Equal(TimeSpan.FromSeconds(6843.01), ProcParsers.ParseUptime(Fixture("uptime")));
    }

    [Fact]
    public void Diskstats_gives_bytes_of_512_byte_sectors_per_device()
    {
        var devices = ProcParsers.ParseDiskStats(Fixture("diskstats"));

        // 254 0 vda 292547 33821 10723082 254908 168990 53593 18455176 ...
        Assert.Equal(new DiskIoCounters(10723082L * 512, 18455176L * 512), devices["vda"]);
        Assert.Equal(new DiskIoCounters(0, 0), devices["loop0"]);
    }

    [Fact]
    public void Diskstats_line_with_too_few_fields_is_a_format_error() =>
        Assert.Throws<FormatException>(() => ProcParsers.ParseDiskStats("8 0 sda 1 2 3\n"));

    [Fact]
    public void Net_dev_skips_the_headers_and_gives_every_interface()
    {
        var interfaces = ProcParsers.ParseNetDev(Fixture(Path.Combine("net", "dev")));

        Assert.Equal(["lo", "ifb0", "ifb1", "eth0"], interfaces.Select(i => i.Device));
        Assert.Equal(new NetworkCounters("eth0", 433595886, 0, 0, 898016, 0, 0), interfaces[3]);
    }

    [Fact]
    public void Net_dev_reads_errors_and_drops_and_counters_glued_to_the_colon()
    {
        const string text = "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n" +
            "wlan0:123456789012 9 3 4 0 0 0 0 77 8 5 6 0 0 0 0\n";

        var wlan = Assert.Single(ProcParsers.ParseNetDev(text));

        Assert.Equal(new NetworkCounters("wlan0", 123456789012, 3, 4, 77, 5, 6), wlan);
    }

    [Fact]
    public void Mounts_decode_octal_escapes_in_paths()
    {
        var mounts = ProcParsers.ParseMounts("/dev/sdb1 /media/usb\\040stick vfat rw 0 0\n/dev/vda / ext4 rw 0 0\n");

        Assert.Equal(("/dev/sdb1", "/media/usb stick", "vfat"), mounts[0]);
        Assert.Equal(("/dev/vda", "/", "ext4"), mounts[1]);
    }

    [Fact]
    public void Mounts_of_the_captured_machine_include_root()
    {
        var mounts = ProcParsers.ParseMounts(Fixture("mounts"));

        Assert.Contains(("/dev/vda", "/", "ext4"), mounts);
        Assert.Equal(19, mounts.Count);
    }
}
