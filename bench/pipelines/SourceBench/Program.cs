using System.Diagnostics;
using System.Text;
using OpsAutomation.Core.Pipelines.Sources;

// Rows per second of the CSV source on one core: a file of simple 10-column rows (about 60 bytes
// each: ids, names, amounts, dates, one quoted field in ten rows), read to the end 7 times. Each
// round reports wall time and the process's CPU time: on a shared machine the CPU figure is the
// one that says what one core does. Usage: dotnet run -c Release -- [rows] [path]
var rows = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var path = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), $"sourcebench-{rows}.csv");
if (!File.Exists(path))
{
    using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
    writer.Write("id,name,city,amount,qty,date,flag,code,score,note\n");
    var random = new Random(7);
    string[] cities = ["Zurich", "Berlin", "Lyon", "Oslo", "Porto"];
    for (var i = 1; i <= rows; i++)
    {
        var note = i % 10 == 0 ? "\"late, again\"" : "ok";
        writer.Write($"{i},name{random.Next(1000)},{cities[i % 5]},{random.Next(100000) / 100.0:F2},{random.Next(50)},2026-11-{1 + i % 28:00},{(i % 2 == 0 ? "true" : "false")},C{random.Next(100):000},{random.Next(1000)},{note}\n");
    }
}
var bytes = new FileInfo(path).Length;
Console.WriteLine($"{path}: {rows} rows, {bytes / 1e6:F1} MB");

var times = new List<double>();
var cpuTimes = new List<double>();
var process = System.Diagnostics.Process.GetCurrentProcess();
for (var round = 0; round < 7; round++)
{
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    await using var source = new CsvRecordSource(path);
    var watch = Stopwatch.StartNew();
    long count = 0, problems = 0;
    await foreach (var item in source.ReadAsync(CancellationToken.None))
    {
        if (item.Record is null) problems++;
        count++;
    }
    watch.Stop();
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    if (count != rows || problems != 0) throw new InvalidOperationException($"read {count} items, {problems} problems");
    times.Add(watch.Elapsed.TotalSeconds);
    cpuTimes.Add(cpu);
    Console.WriteLine($"round {round + 1}: wall {watch.Elapsed.TotalSeconds:F3} s ({rows / watch.Elapsed.TotalSeconds:N0} rows/s), cpu {cpu:F3} s ({rows / cpu:N0} rows/cpu-s)");
}
times.Sort();
cpuTimes.Sort();
Console.WriteLine($"wall: best {rows / times[0]:N0} rows/s, median {rows / times[3]:N0} rows/s; cpu: best {rows / cpuTimes[0]:N0}, median {rows / cpuTimes[3]:N0} rows per cpu-second");
