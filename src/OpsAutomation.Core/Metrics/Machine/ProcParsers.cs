using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>Pure parsers of the Linux /proc files the system metrics come from; each takes the file's text.</summary>
public static class ProcParsers
{
    /// <summary>
    /// The kernel's USER_HZ, the unit of /proc/stat. It is 100 on every Linux architecture the
    /// module runs on; node_exporter (procfs) assumes the same.
    /// </summary>
    public const double UserHz = 100;

    /// <summary>/proc/diskstats counts sectors of 512 bytes whatever the device's own sector size.</summary>
    private const long SectorBytes = 512;

    private static readonly char[] Blanks = [' ', '\t'];

    /// <summary>/proc/stat: per-core CPU times (the cpuN lines) and the boot time (btime).</summary>
    public static (IReadOnlyList<CpuTimes> Cores, DateTimeOffset BootTime) ParseStat(string text)
    {
        var cores = new List<CpuTimes>();
        DateTimeOffset? bootTime = null;
        foreach (var line in Lines(text))
        {
            var fields = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields[0].StartsWith("cpu", StringComparison.Ordinal) && fields[0].Length > 3)
            {
                var cpu = int.Parse(fields[0].AsSpan(3), CultureInfo.InvariantCulture);
                double Seconds(int i) => i < fields.Length ? Long(fields[i]) / UserHz : 0;
                cores.Add(new CpuTimes(cpu, Seconds(1), Seconds(2), Seconds(3), Seconds(4), Seconds(5), Seconds(6), Seconds(7), Seconds(8)));
            }
            else if (fields[0] == "btime" && fields.Length > 1)
            {
                bootTime = DateTimeOffset.FromUnixTimeSeconds(Long(fields[1]));
            }
        }
        if (cores.Count == 0) throw new FormatException("/proc/stat has no cpuN line.");
        cores.Sort((a, b) => a.Cpu.CompareTo(b.Cpu));
        return (cores, bootTime ?? throw new FormatException("/proc/stat has no btime line."));
    }

    /// <summary>/proc/meminfo: the fields the metrics use, in bytes.</summary>
    public static MemoryCounters ParseMeminfo(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var rest = line[(colon + 1)..].Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length == 0) continue;
            var multiplier = rest.Length > 1 && rest[1] == "kB" ? 1024 : 1;
            values[line[..colon]] = Long(rest[0]) * multiplier;
        }
        long Get(string key) => values.TryGetValue(key, out var v) ? v : 0;
        if (!values.ContainsKey("MemTotal")) throw new FormatException("/proc/meminfo has no MemTotal line.");
        return new MemoryCounters
        {
            Total = Get("MemTotal"),
            Free = Get("MemFree"),
            // Kernels before 3.14 have no MemAvailable: the old estimate free + buffers + cache stands in.
            Available = values.TryGetValue("MemAvailable", out var available) ? available : Get("MemFree") + Get("Buffers") + Get("Cached"),
            Buffers = Get("Buffers"),
            Cached = Get("Cached"),
            SReclaimable = Get("SReclaimable"),
            SwapTotal = Get("SwapTotal"),
            SwapFree = Get("SwapFree"),
        };
    }

    /// <summary>/proc/loadavg: "0.52 0.58 0.59 2/345 12345".</summary>
    public static LoadAverages ParseLoadAverage(string text)
    {
        var fields = text.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 3) throw new FormatException($"/proc/loadavg has {fields.Length} fields, expected at least 3.");
        return new LoadAverages(Double(fields[0]), Double(fields[1]), Double(fields[2]));
    }

    /// <summary>/proc/uptime: seconds since boot, then idle seconds.</summary>
    public static TimeSpan ParseUptime(string text)
    {
        var fields = text.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0) throw new FormatException("/proc/uptime is empty.");
        return TimeSpan.FromSeconds(Double(fields[0]));
    }

    /// <summary>/proc/diskstats: bytes read and written per block device.</summary>
    public static IReadOnlyDictionary<string, DiskIoCounters> ParseDiskStats(string text)
    {
        var devices = new Dictionary<string, DiskIoCounters>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            // major minor name reads merged sectors-read ms writes merged sectors-written ...
            var fields = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10) throw new FormatException($"/proc/diskstats line has {fields.Length} fields, expected at least 10: {line}");
            devices[fields[2]] = new DiskIoCounters(Long(fields[5]) * SectorBytes, Long(fields[9]) * SectorBytes);
        }
        return devices;
    }

    /// <summary>/proc/net/dev: two header lines, then "name: 8 receive counters 8 transmit counters".</summary>
    public static IReadOnlyList<NetworkCounters> ParseNetDev(string text)
    {
        var interfaces = new List<NetworkCounters>();
        foreach (var line in Lines(text))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line.Contains('|', StringComparison.Ordinal)) continue;
            var fields = line[(colon + 1)..].Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 16) throw new FormatException($"/proc/net/dev line has {fields.Length} counters, expected 16: {line}");
            interfaces.Add(new NetworkCounters(line[..colon].Trim(),
                ReceiveBytes: Long(fields[0]), ReceiveErrors: Long(fields[2]), ReceiveDrops: Long(fields[3]),
                TransmitBytes: Long(fields[8]), TransmitErrors: Long(fields[10]), TransmitDrops: Long(fields[11])));
        }
        return interfaces;
    }

    /// <summary>/proc/mounts: device, mount point and type of every mount, with octal escapes (\040 for a space) decoded.</summary>
    public static IReadOnlyList<(string Device, string MountPoint, string FileSystemType)> ParseMounts(string text)
    {
        var mounts = new List<(string, string, string)>();
        foreach (var line in Lines(text))
        {
            var fields = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3) throw new FormatException($"/proc/mounts line has {fields.Length} fields, expected at least 3: {line}");
            mounts.Add((Unescape(fields[0]), Unescape(fields[1]), fields[2]));
        }
        return mounts;
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal)) return field;
        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }
        return text.ToString();
    }

    private static bool IsOctal(string field, int start) =>
        start + 3 <= field.Length && field.AsSpan(start, 3).IndexOfAnyExceptInRange('0', '7') < 0;

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Where(line => !string.IsNullOrWhiteSpace(line));

    private static long Long(string field) => long.Parse(field, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double Double(string field) => double.Parse(field, NumberStyles.Float, CultureInfo.InvariantCulture);
}
