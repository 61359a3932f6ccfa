using System.Diagnostics;
using System.Text;
using OpsAutomation.Core.Pipelines.Sources;

// Rows per second of the CSV source on one core: a file of simple 10-column rows (about 70 bytes
// each, ids, names, amounts, dates, one quoted field in ten rows), read to the end 5 times; the
// best and median rounds are printed. Usage: dotnet run -c Release -- [rows] [path]
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
for (var round = 0; round < 5; round++)
{
    await using var source = new CsvRecordSource(path);
    var watch = Stopwatch.StartNew();
    long count = 0, problems = 0;
    await foreach (var item in source.ReadAsync(CancellationToken.None))
    {
        if (item.Record is null) problems++;
        count++;
    }
    watch.Stop();
    if (count != rows || problems != 0) throw new InvalidOperationException($"read {count} items, {problems} problems");
    times.Add(watch.Elapsed.TotalSeconds);
    Console.WriteLine($"round {round + 1}: {watch.Elapsed.TotalSeconds:F3} s, {rows / watch.Elapsed.TotalSeconds:N0} rows/s, {bytes / 1e6 / watch.Elapsed.TotalSeconds:F0} MB/s, gen0 {GC.CollectionCount(0)}");
}
times.Sort();
Console.WriteLine($"best {rows / times[0]:N0} rows/s, median {rows / times[2]:N0} rows/s");
