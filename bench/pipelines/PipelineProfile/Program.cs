// Invoke-PipelineBench's workload (the same CSV, schema, rules, Derive, Drop and SQLite sink) run by
// the Core library in a plain dotnet host, without pwsh: for profiling (perf with
// DOTNET_PerfMapEnabled=1) and for allocation and GC counts, which the bench does not show.
// Usage: dotnet run -c Release -- [rows, default 1000000] [runs in this process, default 1]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;

var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
// PIPELINE_PROFILE_ALLOCATIONS=1: the types allocated, sampled by the runtime about every 100 KB.
using var allocations = Environment.GetEnvironmentVariable("PIPELINE_PROFILE_ALLOCATIONS") == "1" ? new AllocationSampler() : null;
// PIPELINE_PROFILE_JIT=1: the methods the JIT compiled during each run, by tier and namespace.
using var jit = Environment.GetEnvironmentVariable("PIPELINE_PROFILE_JIT") == "1" ? new JitSampler() : null;
var work = Path.Combine(Path.GetTempPath(), "pipeline-profile-" + Guid.NewGuid().ToString("n"));
Directory.CreateDirectory(work);
try
{
    WriteCsv(Path.Combine(work, "orders.csv"), rows);
    File.WriteAllText(Path.Combine(work, "schema.json"), """
        { "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["id", "email", "quantity"],
          "properties": { "id": { "type": "integer" }, "email": { "type": "string", "minLength": 3 }, "quantity": { "type": "integer", "minimum": 1, "maximum": 1000 } } }
        """);
    File.WriteAllText(Path.Combine(work, "spec.json"), """
        {
          "Name": "orders-bench",{{BATCH}}
          "Source": { "Type": "Csv", "Path": "orders.csv" },
          "Validation": {
            "Schema": "schema.json",
            "Columns": {
              "id": { "Type": "integer", "Nullable": false, "Unique": true },
              "email": { "Nullable": false, "Pattern": "^[^@\\s]+@[^@\\s]+$" },
              "quantity": { "Type": "integer", "Nullable": false, "Minimum": 1, "Maximum": 1000 },
              "unit_price": { "Type": "decimal", "Minimum": 0 },
              "order_date": { "Type": "date" },
              "status": { "Allowed": ["new", "paid", "shipped"] }
            }
          },
          "Transforms": [ { "Derive": { "total": "quantity * unit_price" } }, { "Drop": "note" } ],
          "Sink": { "Type": "Sqlite", "Path": "orders.db", "Table": "orders", "Key": "id" }
        }
        """.Replace(
        // PIPELINE_PROFILE_SINK=JsonLines: the same records into a JSON Lines file instead.
        """{ "Type": "Sqlite", "Path": "orders.db", "Table": "orders", "Key": "id" }""",
        Environment.GetEnvironmentVariable("PIPELINE_PROFILE_SINK") == "JsonLines" ? """{ "Type": "JsonLines", "Path": "orders.jsonl" }""" : """{ "Type": "Sqlite", "Path": "orders.db", "Table": "orders", "Key": "id" }""",
        StringComparison.Ordinal).Replace("{{BATCH}}",
        // PIPELINE_PROFILE_BATCH=n: the step's BatchSize (default PipelineStepPlan.DefaultBatchSize).
        Environment.GetEnvironmentVariable("PIPELINE_PROFILE_BATCH") is { Length: > 0 } batch ? $" \"BatchSize\": {batch}," : "", StringComparison.Ordinal));
    for (var run = 1; run <= runs; run++)
    {
        allocations?.Reset();
        jit?.Reset();
        await RunOnceAsync(run);
        allocations?.Print(rows);
        jit?.Print();
    }
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(work, recursive: true);
}

async Task RunOnceAsync(int run)
{
    File.Delete(Path.Combine(work, "orders.db"));
    File.Delete(Path.Combine(work, "orders.jsonl"));
    var state = await StateStore.OpenAsync(Path.Combine(work, "state" + run), CancellationToken.None);
    using var http = new HttpClientProvider();
    using var resilience = new ResiliencePipelineProvider(TimeProvider.System);
    using var log = new OpsLog("profile", new OpsLogOptions { Console = _ => { } }, new SecretRedactor());
    var specPath = Path.Combine(work, "spec.json");
    var spec = PipelineSpecReader.Read(new ConfigurationFileReader().ReadMap(specPath), specPath, work, new PipelineSpecContext
    {
        Checkpoints = new PipelineCheckpointStore(state),
        Time = TimeProvider.System,
        Secrets = new SecretResolver(),
        Redactor = new SecretRedactor(),
        Http = http,
    });
    var services = new PipelineServices
    {
        DeadLetters = new DeadLetterStore(state),
        Runs = new PipelineRunStore(state),
        Resilience = resilience,
        Time = TimeProvider.System,
        Log = log,
    };
    var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var result = await new PipelineRunner(spec.Plan, services).RunAsync(Guid.NewGuid().ToString(), null, CancellationToken.None);
    var seconds = clock.Elapsed.TotalSeconds;
    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
    var peak = Regex.Match(File.ReadAllText("/proc/self/status"), @"VmHWM:\s+(\d+)").Groups[1].Value;
    var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"run {run}: {result.Status}, {result.Steps[0].Loaded} loaded, {result.Steps[0].Rejected} rejected; {seconds:F2} s, {rows / seconds:N0} rows/s; " +
        $"{cpuSeconds:F2} CPU s, {rows / cpuSeconds:N0} rows per CPU-second, {cpuSeconds / rows * 1e6:F2} us/row; {bytes / (double)rows:N0} B allocated/row; " +
        $"GCs {GC.CollectionCount(0) - gcs.Item1}/{GC.CollectionCount(1) - gcs.Item2}/{GC.CollectionCount(2) - gcs.Item3}; peak RSS {long.Parse(peak) / 1024} MiB; load {load}"));
}

// The bench's data: 4 bad rows per 1,000, one reason each (see Invoke-PipelineBench.ps1).
static void WriteCsv(string path, int rows)
{
    var inv = CultureInfo.InvariantCulture;
    string[] statuses = ["new", "paid", "shipped"], countries = ["FR", "JP", "US", "DE", "BR"];
    var day = new DateTime(2026, 1, 1);
    using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
    writer.Write("id,customer,email,quantity,unit_price,order_date,ship_date,status,country,note\n");
    for (var i = 1; i <= rows; i++)
    {
        var bad = i % 1000;
        var quantity = bad == 7 ? 0 : i % 50 + 1;
        var email = bad == 137 ? $"user{i}.example.com" : $"user{i}@example.com";
        var status = bad == 523 ? "lost" : statuses[i % 3];
        var orderDate = bad == 911 ? "2026-02-30" : day.AddDays(i % 330).ToString("yyyy-MM-dd", inv);
        var shipDate = i % 3 == 2 ? day.AddDays(i % 330 + 2).ToString("yyyy-MM-dd", inv) : "";
        var note = i % 10 == 0 ? $"\"note {i}, with a comma\"" : $"note {i}";
        var price = (i * 7919L % 100000 / 100m).ToString("0.00", inv);
        writer.Write(string.Create(inv, $"{i},customer {i},{email},{quantity},{price},{orderDate},{shipDate},{status},{countries[i % 5]},{note}\n"));
    }
}

/// <summary>Counts the runtime's AllocationTick events (one per about 100 KB allocated) by type.</summary>
internal sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, long> _bytes = [];

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1); // GC
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
        lock (_bytes) _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
    }

    public void Reset()
    {
        lock (_bytes) _bytes.Clear();
    }

    public void Print(int rows)
    {
        lock (_bytes)
        {
            foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(25))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / (double)rows,8:N0} B/row  {type}"));
        }
    }
}

/// <summary>Counts the methods the JIT compiled (MethodLoadVerbose events), by optimization tier and by namespace, with their time.</summary>
internal sealed class JitSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, (int Count, double Ms)> _byTier = [];
    private readonly Dictionary<string, (int Count, double Ms)> _byMethod = [];
    private readonly Dictionary<int, DateTime> _started = [];

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x10); // JIT
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.PayloadNames is null) return;
        lock (_byTier)
        {
            if (e.EventName == "MethodJittingStarted_V1" || e.EventName == "MethodJittingStarted")
            {
                _started[e.OSThreadId.GetHashCode()] = e.TimeStamp;
                return;
            }
            if (e.EventName is not ("MethodLoadVerbose_V1" or "MethodLoadVerbose_V2" or "MethodLoadVerbose")) return;
            var flags = Convert.ToInt64(e.Payload![e.PayloadNames.IndexOf("MethodFlags")], CultureInfo.InvariantCulture);
            var tier = ((flags >> 7) & 0x7) switch { 1 => "MinOpt", 2 => "Optimized", 3 => "Tier0", 4 => "Tier1", 5 => "ReadyToRun", 6 => "Tier1-OSR", 7 => "Tier0-instrumented", _ => "?" };
            if (((flags >> 7) & 0xF) == 8) tier = "Tier1-instrumented";
            var ms = _started.Remove(e.OSThreadId.GetHashCode(), out var start) ? (e.TimeStamp - start).TotalMilliseconds : 0;
            var name = $"{e.Payload[e.PayloadNames.IndexOf("MethodNamespace")]}::{e.Payload[e.PayloadNames.IndexOf("MethodName")]}";
            var known = _byTier.GetValueOrDefault(tier);
            _byTier[tier] = (known.Count + 1, known.Ms + ms);
            var method = _byMethod.GetValueOrDefault(tier + " " + name);
            _byMethod[tier + " " + name] = (method.Count + 1, method.Ms + ms);
        }
    }

    public void Reset()
    {
        lock (_byTier)
        {
            _byTier.Clear();
            _byMethod.Clear();
        }
    }

    public void Print()
    {
        lock (_byTier)
        {
            foreach (var (tier, (count, ms)) in _byTier.OrderByDescending(p => p.Value.Ms))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {tier,-20} {count,6} methods {ms,8:N0} ms"));
            foreach (var (method, (count, ms)) in _byMethod.OrderByDescending(p => p.Value.Ms).Take(30))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ms,8:N1} ms {count,3}x {method}"));
        }
    }
}
