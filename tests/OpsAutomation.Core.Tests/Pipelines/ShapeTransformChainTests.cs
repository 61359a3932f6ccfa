using Microsoft.Data.Sqlite;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Transforms;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines;

/// <summary>Consecutive shape transforms applied as one chain give what they give one by one: records, errors, dead letters, lineage.</summary>
public sealed class ShapeTransformChainTests
{
    private static readonly RecordShape Shape = new(["id", "qty", "price", "note", "status"]);

    private static DataRecord Record(long position, params object?[] values) => new(Shape, values, position, $"orders.csv:{position + 1}");

    private static ShapeTransformChain Chain(params IRecordTransform[] transforms) => Assert.IsType<ShapeTransformChain>(Assert.Single(ShapeTransformChain.Fuse(transforms)));

    private static DataRecord OneByOne(DataRecord record, IEnumerable<IRecordTransform> transforms) =>
        transforms.Aggregate(record, (current, transform) => transform.Apply(current)!);

    [Fact]
    public void Only_runs_of_two_or_more_shape_transforms_are_chained()
    {
        var rename = new RenameTransform(new Dictionary<string, string> { ["qty"] = "quantity" });
        var derive = new DeriveTransform("total", RecordExpression.ParseValue("quantity * price"));
        var filter = new FilterTransform(RecordExpression.Parse("total > 0"));
        var drop = new DropTransform(["note"]);
        var cast = new CastTransform(new Dictionary<string, ColumnType> { ["id"] = ColumnType.Integer });

        var fused = ShapeTransformChain.Fuse([rename, derive, filter, drop, cast]);

        Assert.Collection(fused,
            t => Assert.Equal("rename, derive total", Assert.IsType<ShapeTransformChain>(t).Name),
            t => Assert.Same(filter, t),
            t => Assert.Same(drop, t),
            t => Assert.Same(cast, t));
    }

    [Fact]
    public void A_chain_gives_the_records_its_transforms_give_one_by_one_and_keeps_position_and_location()
    {
        IRecordTransform[] transforms =
        [
            new RenameTransform(new Dictionary<string, string> { ["qty"] = "quantity" }),
            new DeriveTransform("total", RecordExpression.ParseValue("quantity * price")),
            new DropTransform(["note"]),
            new DefaultTransform(new Dictionary<string, object?> { ["status"] = "new", ["country"] = "US" }),
            // Reads a field derived earlier in the chain, and replaces one that exists.
            new DeriveTransform("total", RecordExpression.ParseValue("total * 2")),
        ];
        var chain = Chain(transforms);
        var other = new RecordShape(["price", "qty", "id", "note", "status"]);

        foreach (var record in new[] { Record(1, 1L, 2L, 3.5m, "x", null), Record(2, 2L, 5L, 0.1m, null, "paid"), new DataRecord(other, [1m, 3L, 9L, "n", ""], 3, "other.csv:4") })
        {
            var expected = OneByOne(record, transforms);
            var actual = chain.Apply(record)!;

            Assert.Same(expected.Shape, actual.Shape);
            Assert.Equal(expected.Values, actual.Values);
            Assert.Equal(record.Position, actual.Position);
            Assert.Equal(record.Location, actual.Location);
        }
        Assert.Equal(["id", "quantity", "price", "status", "total", "country"], chain.Apply(Record(4, 1L, 1L, 1m, null, null))!.Shape.Names);
        Assert.Equal([1L, 2L, 3.5m, "new", 14.0m, "US"], chain.Apply(Record(5, 1L, 2L, 3.5m, "x", null))!.Values);
    }

    [Fact]
    public void A_derive_reading_a_field_a_drop_before_it_removed_fails_as_it_does_one_by_one()
    {
        IRecordTransform[] transforms = [new DropTransform(["note"]), new DeriveTransform("summary", RecordExpression.ParseValue("note + status"))];
        var record = Record(1, 1L, 2L, 3m, "x", "new");

        var alone = Assert.ThrowsAny<Exception>(() => OneByOne(record, transforms));
        var chained = Assert.Throws<TransformException>(() => Chain(transforms).Apply(record));

        Assert.Equal("derive summary", chained.Transform);
        Assert.Equal(alone.Message, chained.InnerException!.Message);
        Assert.Contains("the record has no field 'note'", chained.Message);
    }

    [Fact]
    public void A_failing_transform_names_itself_and_the_records_after_it_are_still_right()
    {
        IRecordTransform[] transforms =
        [
            new DeriveTransform("total", RecordExpression.ParseValue("qty * price")),
            new DeriveTransform("half", RecordExpression.ParseValue("total / 2")),
            new DropTransform(["note"]),
        ];
        var chain = Chain(transforms);

        var failed = Assert.Throws<TransformException>(() => chain.Apply(Record(1, 1L, 2L, "ten", "x", null)));
        var after = chain.Apply(Record(2, 2L, 3L, 2m, "y", "paid"))!;

        Assert.Equal("derive total", failed.Transform);
        Assert.Equal(Assert.ThrowsAny<Exception>(() => OneByOne(Record(1, 1L, 2L, "ten", "x", null), transforms)).Message, failed.Message);
        Assert.Equal(OneByOne(Record(2, 2L, 3L, 2m, "y", "paid"), transforms).Values, after.Values);
    }

    [Fact]
    public void A_rename_clash_fails_the_rename_but_a_transform_before_it_fails_first()
    {
        IRecordTransform[] transforms =
        [
            new DeriveTransform("double_note", RecordExpression.ParseValue("note * 2")),
            new RenameTransform(new Dictionary<string, string> { ["qty"] = "id" }),
        ];
        var chain = Chain(transforms);

        var derive = Assert.Throws<TransformException>(() => chain.Apply(Record(1, 1L, 2L, 3m, "x", null)));
        var rename = Assert.Throws<TransformException>(() => chain.Apply(Record(2, 1L, 2L, 3m, null, null)));

        Assert.Equal("derive double_note", derive.Transform);
        Assert.Equal("rename", rename.Transform);
        Assert.Equal(Assert.Throws<InvalidOperationException>(() => OneByOne(Record(2, 1L, 2L, 3m, null, null), transforms)).Message, rename.Message);
    }

    // Derive then Drop run as one chain; with a transform between them (which breaks the chain), one by one.
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_run_with_a_chain_loads_rejects_and_reports_as_the_transforms_one_by_one(int parallelism)
    {
        var fused = await RunAsync(parallelism, between: null);
        var oneByOne = await RunAsync(parallelism, between: new PassThrough());

        Assert.Equal(oneByOne.Rows, fused.Rows);
        Assert.Equal(oneByOne.Letters, fused.Letters);
        Assert.Equal(oneByOne.Lineage, fused.Lineage);
        Assert.Equal(299, fused.Rows.Count);
        Assert.Equal("id=1 amount=1.5 ratio=-0.375", fused.Rows[0]);
        var letter = Assert.Single(fused.Letters);
        Assert.Equal("5 Transform orders:5 Transform derive ratio failed: division by zero {\"id\":5,\"name\":\"order 5\",\"amount\":7.5}", letter);
        Assert.Equal("CompletedWithRejections in=300 loaded=299 rejected=1 filtered=0 memory:orders -> sqlite", fused.Lineage);
    }

    private static async Task<(List<string> Rows, List<string> Letters, string Lineage)> RunAsync(int parallelism, IRecordTransform? between)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        IRecordTransform derive = new DeriveTransform("ratio", RecordExpression.ParseValue("amount / (id - 5)")), drop = new DropTransform(["name"]);
        var observer = new LastRun();
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps =
            [
                new PipelineStepPlan
                {
                    Name = "load",
                    CreateSource = () => new MemorySource(300),
                    CreateSink = () => new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Key = ["id"] }),
                    BatchSize = 64,
                    Parallelism = parallelism,
                    Transforms = between is null ? [derive, drop] : [derive, between, drop],
                },
            ],
        };

        await new PipelineRunner(plan, harness.Services with { Observer = observer }).RunAsync("run-1", null, CancellationToken.None);

        var rows = new List<string>();
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM orders ORDER BY id;";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows.Add(string.Join(" ", Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}={Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)}")));
        }
        var letters = (await harness.DeadLettersAsync()).Select(l => $"{l.Position} {l.Stage} {l.Location} {l.Error} {l.Record}").ToList();
        return (rows, letters, observer.Describe());
    }

    private sealed class PassThrough : IRecordTransform
    {
        public string Name => "pass";

        public DataRecord? Apply(DataRecord record) => record;
    }

    private sealed class LastRun : IPipelineObserver
    {
        private PipelineRun? _run;
        private IReadOnlyList<StepDatasets> _datasets = [];

        public Task RunStartedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RunEndedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken)
        {
            (_run, _datasets) = (run, datasets);
            return Task.CompletedTask;
        }

        public string Describe()
        {
            var step = Assert.Single(_run!.Steps);
            var datasets = Assert.Single(_datasets);
            return $"{step.Status} in={step.RecordsIn} loaded={step.Loaded} rejected={step.Rejected} filtered={step.Filtered} {datasets.InputNamespace}:{datasets.InputName} -> {datasets.OutputNamespace}";
        }
    }
}
