/// <summary>Peak resident memory of a process, from VmHWM in /proc/&lt;pid&gt;/status (Linux).</summary>
internal static class PeakRss
{
    public static double MiB(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return Math.Round(kib / 1024.0, 1);
    }
}
