// Issue 13's anomaly bench, our side: a week of one-minute samples (10,080) for N series, each
// noise plus a daily wave plus one injected 10-minute spike, judged by AnomalyDetection.Detect.
// Generation is outside the timed part; each series is generated, judged and dropped, as the
// cmdlet streams them. Prints one JSON line: seconds, CPU seconds, peak RSS, spikes found.
using System.Diagnostics;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Incidents.Anomalies;
using OpsAutomation.Models.Incidents;

var seriesCount = args.Length > 0 ? int.Parse(args[0]) : 1000;
var detectors = args.Length > 1 && args[1] == "robust" ? new[] { AnomalyDetector.RobustZScore } : [AnomalyDetector.RobustZScore, AnomalyDetector.Seasonal, AnomalyDetector.LevelShift];
const int points = 7 * 1440;
var origin = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
var options = new AnomalyOptions { Detectors = detectors };
var now = DateTimeOffset.UtcNow;
var labels = new Dictionary<string, string> { ["__name__"] = "bench" };
var times = new long[points];
for (var i = 0; i < points; i++) times[i] = origin + i * 60_000L;

// One warm-up series so JIT is not timed.
AnomalyDetection.Detect(TimeSeries.Create(labels, times, Generate(-1, out _)), options, now);
var process = Process.GetCurrentProcess();
process.Refresh();
var cpuBefore = process.TotalProcessorTime;
var generation = TimeSpan.Zero;
var clock = Stopwatch.StartNew();
int found = 0, anomalies = 0;
for (var s = 0; s < seriesCount; s++)
{
    var started = clock.Elapsed;
    var values = Generate(s, out var spikeAt);
    var series = TimeSeries.Create(labels, times, values);
    generation += clock.Elapsed - started;
    var verdict = AnomalyDetection.Detect(series, options, now);
    anomalies += verdict.Anomalies.Count;
    var spike = DateTimeOffset.FromUnixTimeMilliseconds(times[spikeAt]);
    if (verdict.Anomalies.Any(a => a.Direction == AnomalyDirection.Above && a.Start <= spike.AddMinutes(9) && a.End >= spike)) found++;
}
clock.Stop();
process.Refresh();
var cpu = process.TotalProcessorTime - cpuBefore;
var peak = long.Parse(Regex.Match(File.ReadAllText("/proc/self/status"), @"VmHWM:\s+(\d+)").Groups[1].Value) * 1024;
Console.WriteLine($"{{\"series\":{seriesCount},\"points\":{points},\"detectors\":\"{string.Join(",", detectors)}\",\"seconds\":{(clock.Elapsed - generation).TotalSeconds:F3},\"generation_seconds\":{generation.TotalSeconds:F3},\"cpu_seconds\":{cpu.TotalSeconds:F3},\"peak_rss_bytes\":{peak},\"spikes_found\":{found},\"anomalies\":{anomalies}}}");
if (found < seriesCount) Environment.Exit(1);

static double[] Generate(int seed, out int spikeAt)
{
    var random = new Random(seed + 1000);
    var values = new double[points];
    for (var i = 0; i < points; i++)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var noise = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        values[i] = 100 + 10 * Math.Sin(2 * Math.PI * (i % 1440) / 1440.0) + noise;
    }
    spikeAt = 5 * 1440 + random.Next(1400);
    for (var i = spikeAt; i < spikeAt + 10; i++) values[i] += 12;
    return values;
}
