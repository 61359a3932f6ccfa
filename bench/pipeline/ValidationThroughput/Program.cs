// Rows per second of record validation alone (no source, no sink): 10 CSV-text columns, coerced
// and checked by column rules and an expression, and by a JSON Schema, on one thread and on all.
using System.Diagnostics;
using System.Globalization;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Models.Pipelines;

var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var shape = new RecordShape(["id", "email", "qty", "unit_price", "status", "country", "note", "active", "order_date", "ship_date"]);
string[] statuses = ["new", "shipped", "cancelled"];
string[][] source = [.. Enumerable.Range(1, rows).Select(i => new[]
{
    i.ToString(CultureInfo.InvariantCulture), $"user{i}@example.com", (i % 50 + 1).ToString(CultureInfo.InvariantCulture),
    (i % 997 / 10.0 + 1).ToString("0.00", CultureInfo.InvariantCulture), statuses[i % 3], "DE", i % 7 == 0 ? "" : "gift wrap",
    i % 2 == 0 ? "true" : "false", "2024-03-01", "2024-03-04",
})];

const string SchemaText = """
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "type": "object",
      "required": ["id", "email", "qty", "unit_price", "status", "order_date"],
      "properties": {
        "id": { "type": "integer", "minimum": 1 },
        "email": { "type": "string", "maxLength": 254 },
        "qty": { "type": "integer", "minimum": 1, "maximum": 1000 },
        "unit_price": { "type": "number", "exclusiveMinimum": 0 },
        "status": { "enum": ["new", "shipped", "cancelled"] },
        "country": { "type": "string", "minLength": 2, "maxLength": 2 },
        "note": { "type": ["string", "null"] },
        "active": { "type": "boolean" },
        "order_date": { "type": "string" },
        "ship_date": { "type": ["string", "null"] }
      }
    }
    """;
var schema = JsonSchemaValidator.Parse(SchemaText, "bench.schema.json");
// The same schema with an (empty) $defs, which the compiled flat check does not take: JsonSchema.Net alone.
var librarySchema = JsonSchemaValidator.Parse(SchemaText.Replace("\"type\": \"object\",", "\"type\": \"object\", \"$defs\": {},", StringComparison.Ordinal), "bench-library.schema.json");
ColumnRule[] columns =
[
    new() { Name = "id", Type = ColumnType.Integer, Nullable = false, Unique = true },
    new() { Name = "email", Type = ColumnType.String, Pattern = new System.Text.RegularExpressions.Regex("^[^@]+@[^@]+$", System.Text.RegularExpressions.RegexOptions.Compiled), MaxLength = 254 },
    new() { Name = "qty", Type = ColumnType.Integer, Minimum = 1L, Maximum = 1000L },
    new() { Name = "unit_price", Type = ColumnType.Decimal, Minimum = 0m },
    new() { Name = "status", Allowed = new HashSet<object> { "new", "shipped", "cancelled" } },
    new() { Name = "country", MinLength = 2, MaxLength = 2 },
    new() { Name = "note", Type = ColumnType.String },
    new() { Name = "active", Type = ColumnType.Boolean },
    new() { Name = "order_date", Type = ColumnType.Date, Nullable = false },
    new() { Name = "ship_date", Type = ColumnType.Date },
];
RecordExpression[] expressions = [RecordExpression.Parse("ship_date >= order_date and qty * unit_price <= 100000")];

// Types only, to coerce the records before timing the schema alone.
var coerce = new RecordValidator(null, [.. columns.Select(c => new ColumnRule { Name = c.Name, Type = c.Type })], [], ValidationMode.Lazy);

Measure("rules + expression", () => new RecordValidator(null, columns, expressions, ValidationMode.Lazy), 1);
Measure("schema only (coerced records)", () => new RecordValidator(schema, [], [], ValidationMode.Lazy), 1, coerceFirst: true);
Measure("schema only, library (Flag)", () => new RecordValidator(librarySchema, [], [], ValidationMode.Lazy), 1, coerceFirst: true);
Measure("schema + rules + expression", () => new RecordValidator(schema, columns, expressions, ValidationMode.Lazy), 1);
Measure("schema + rules + expression", () => new RecordValidator(schema, columns, expressions, ValidationMode.Lazy), Environment.ProcessorCount);

void Measure(string name, Func<RecordValidator> create, int threads, bool coerceFirst = false)
{
    // Rows per CPU-second as well as per wall-clock second: on a busy shared machine the wall clock
    // measures the neighbours, the CPU time what one idle core would do.
    var (best, bestCpu) = (0.0, 0.0);
    for (var round = 0; round < 3; round++)
    {
        var records = source.Select((values, i) => new DataRecord(shape, [.. values], i + 1, $"bench.csv:{i + 2}")).ToArray();
        if (coerceFirst) foreach (var record in records) coerce.Validate(record);
        var validator = create();
        var failures = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        Parallel.For(0, threads, t =>
        {
            for (var i = t; i < records.Length; i += threads)
                if (validator.Validate(records[i]).Count > 0) Interlocked.Increment(ref failures);
        });
        watch.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        if (failures > 0) throw new InvalidOperationException($"{name}: {failures} records failed; the bench data must be valid");
        best = Math.Max(best, records.Length / watch.Elapsed.TotalSeconds);
        bestCpu = Math.Max(bestCpu, records.Length / cpuSeconds);
    }
    Console.WriteLine($"{name,-30} {threads} thread(s): {best,10:N0} rows/s wall, {bestCpu,10:N0} rows per CPU-second (best of 3, {rows:N0} rows)");
}
