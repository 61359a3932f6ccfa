using Microsoft.Data.Sqlite;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Transforms;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines;

public sealed class PipelineRunnerTests
{
    private static PipelineStepPlan Step(Func<Core.Pipelines.Sources.IRecordSource> source, Func<IRecordSink> sink, int batchSize = 100, int parallelism = 2) => new()
    {
        Name = "load",
        CreateSource = source,
        CreateSink = sink,
        BatchSize = batchSize,
        Parallelism = parallelism,
        Retry = new() { RetryCount = 3, BaseDelay = TimeSpan.FromMilliseconds(1), UseJitter = false },
    };

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // 1: the writer validates and transforms; more: workers do, and the writer restores the order.
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_run_loads_every_record_in_source_order_and_its_counts_add_up(int parallelism)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        var plan = new PipelinePlan { Name = "orders", Steps = [Step(() => new MemorySource(1234), () => new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Key = ["id"] }), parallelism: parallelism)] };

        var run = await harness.RunAsync(plan);

        Assert.Equal(PipelineRunStatus.Succeeded, run.Status);
        Assert.Equal(1234, run.RecordsIn);
        Assert.Equal(1234, run.Loaded);
        Assert.Equal(0, run.Rejected);
        Assert.Equal(1234, await CountAsync(database, "SELECT count(*) FROM orders;"));
        Assert.Equal(1234 * 1235 / 2, await CountAsync(database, "SELECT sum(id) FROM orders;"));
        Assert.Equal(1234, await CountAsync(database, "SELECT position FROM _opsautomation_checkpoints;"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Unreadable_invalid_and_failing_records_become_dead_letters_with_their_stage_and_original_record(int parallelism)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps =
            [
                Step(() => new MemorySource(300, p => p == 7), () => new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Key = ["id"] }), parallelism: parallelism) with
                {
                    Validate = r => (long)r["id"]! % 50 == 0
                        ? [new ValidationFailure { Position = r.Position, Location = r.Location, Field = "id", Rule = "range", Value = r["id"]!.ToString(), Message = "must not be a multiple of 50" }]
                        : [],
                    Transforms = [new ThrowingTransform(p => p == 101), new FilterOdd(p => p == 203)],
                },
            ],
        };

        var run = await harness.RunAsync(plan);

        Assert.Equal(PipelineRunStatus.CompletedWithRejections, run.Status);
        Assert.Equal(300, run.RecordsIn);
        Assert.Equal(1 + 6 + 1, run.Rejected);
        Assert.Equal(1, run.Filtered);
        Assert.Equal(run.RecordsIn, run.Loaded + run.Rejected + run.Filtered);
        Assert.Equal(run.Loaded, await CountAsync(database, "SELECT count(*) FROM orders;"));
        var letters = await harness.DeadLettersAsync();
        Assert.Equal(8, letters.Count);
        Assert.Equal(PipelineStage.Read, Assert.Single(letters, l => l.Position == 7).Stage);
        Assert.Equal("1,broken", letters.Single(l => l.Position == 7).Record);
        var invalid = Assert.Single(letters, l => l.Position == 50);
        Assert.Equal(PipelineStage.Validate, invalid.Stage);
        Assert.Contains("id (range): must not be a multiple of 50", invalid.Error);
        Assert.Equal("""{"id":50,"name":"order 50","amount":75}""", invalid.Record);
        var failed = Assert.Single(letters, l => l.Position == 101);
        Assert.Equal(PipelineStage.Transform, failed.Stage);
        Assert.Contains("boom at 101", failed.Error);
        Assert.All(letters, l => Assert.Equal("run-1", l.RunId));
    }

    [Fact]
    public async Task Records_the_sink_refuses_are_dead_lettered_as_the_source_gave_them_and_the_rest_of_the_batch_loads()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (name <> 'ORDER 42'), amount REAL);";
            await create.ExecuteNonQueryAsync();
        }
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps = [Step(() => new MemorySource(100), () => new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Key = ["id"] })) with { Transforms = [new UpperName()] }],
        };

        var run = await harness.RunAsync(plan);

        Assert.Equal(99, run.Loaded);
        Assert.Equal(1, run.Rejected);
        Assert.Equal(99, await CountAsync(database, "SELECT count(*) FROM orders;"));
        var letter = Assert.Single(await harness.DeadLettersAsync());
        Assert.Equal(PipelineStage.Load, letter.Stage);
        Assert.Equal(42, letter.Position);
        Assert.Contains("CHECK constraint failed", letter.Error);
        Assert.Contains("\"order 42\"", letter.Record);
    }

    [Theory]
    [InlineData(0, false, 2)]
    [InlineData(3, false, 2)]
    [InlineData(3, true, 2)]
    [InlineData(9, true, 2)]
    [InlineData(3, false, 1)]
    [InlineData(9, true, 1)]
    public async Task A_run_killed_after_any_batch_and_resumed_loads_every_record_exactly_once(int batches, bool afterCommit, int parallelism)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        // Append, without a key: a record loaded twice would show as an extra row.
        SqliteSink Sink() => new(new SqliteSinkOptions { Path = database, Table = "orders", Mode = SinkWriteMode.Append });
        var first = new PipelinePlan
        {
            Name = "orders",
            Steps = [Step(() => new MemorySource(1000, p => p % 97 == 0), () => new FailingSink(Sink(), batches, () => new IOException("killed"), afterCommit), parallelism: parallelism)],
        };
        var killed = await harness.RunAsync(first);
        Assert.Equal(PipelineRunStatus.Failed, killed.Status);

        var resumed = await harness.RunAsync(first with { Steps = [first.Steps[0] with { CreateSink = Sink }] }, "run-1", killed);

        Assert.Equal(PipelineRunStatus.CompletedWithRejections, resumed.Status);
        Assert.Equal(1, resumed.Resumes);
        Assert.Equal(1000, resumed.RecordsIn);
        Assert.Equal(10, resumed.Rejected);
        Assert.Equal(990, resumed.Loaded);
        Assert.Equal(990, await CountAsync(database, "SELECT count(*) FROM orders;"));
        Assert.Equal(990, await CountAsync(database, "SELECT count(DISTINCT id) FROM orders;"));
        Assert.Equal(10, (await harness.DeadLettersAsync()).Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_resumed_run_still_rejects_values_a_unique_column_loaded_before_the_stop(int parallelism)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        SqliteSink Sink() => new(new SqliteSinkOptions { Path = database, Table = "orders", Mode = SinkWriteMode.Append });
        // A new validator per run, as a new process has: what it knows of ids comes from the run itself.
        PipelineStepPlan Plan(Func<IRecordSink> sink)
        {
            var validator = new RecordValidator(null, [new ColumnRule { Name = "id", Unique = true }], [], ValidationMode.Lazy);
            return Step(() => new RepeatedIdSource(1000, repeatsFrom: 901, count: 10), sink, parallelism: parallelism) with
            {
                Validate = validator.Validate,
                ValidationRemembers = validator.RemembersValues,
            };
        }
        var plan = new PipelinePlan { Name = "orders", Steps = [Plan(() => new FailingSink(Sink(), 5, () => new IOException("killed")))] };
        var killed = await harness.RunAsync(plan);
        Assert.Equal(500, killed.Steps[0].Checkpoint);

        var resumed = await harness.RunAsync(plan with { Steps = [Plan(Sink)] }, "run-1", killed);

        Assert.Equal(1000, resumed.RecordsIn);
        Assert.Equal(990, resumed.Loaded);
        Assert.Equal(10, resumed.Rejected);
        Assert.Equal(990, await CountAsync(database, "SELECT count(DISTINCT id) FROM orders;"));
        var letters = await harness.DeadLettersAsync();
        Assert.All(letters, l => Assert.Equal(PipelineStage.Validate, l.Stage));
        Assert.Equal(Enumerable.Range(901, 10).Select(p => (long)p), letters.Select(l => l.Position).Order());
        Assert.All(letters, l => Assert.Contains("(unique)", l.Error));
    }

    // Workers validate batches in parallel, but a unique column's verdict depends on what came
    // before: the first record of a value in source order passes and its repeat is rejected, however
    // the workers are scheduled. Holding the first batch until a later worker has validated the repeat
    // forces the order the scheduler chose under load (the repeat's batch judged first).
    [Fact]
    public async Task A_unique_column_rejects_the_later_repeat_when_a_worker_judges_its_batch_first()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        var validator = new RecordValidator(null, [new ColumnRule { Name = "id", Unique = true }], [], ValidationMode.Lazy);
        using var repeatJudged = new ManualResetEventSlim();
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps =
            [
                Step(() => new RepeatedIdSource(300, repeatsFrom: 101, count: 1), () => new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Mode = SinkWriteMode.Append }), parallelism: 2) with
                {
                    ValidationRemembers = validator.RemembersValues,
                    Validate = record =>
                    {
                        // Bounded: an engine that judges in source order never validates the repeat while the first waits.
                        if (record.Position == 1) repeatJudged.Wait(TimeSpan.FromSeconds(3));
                        var failures = validator.Validate(record);
                        if (record.Position == 101) repeatJudged.Set();
                        return failures;
                    },
                },
            ],
        };

        var run = await harness.RunAsync(plan);

        Assert.Equal((299, 1), (run.Loaded, run.Rejected));
        var letter = Assert.Single(await harness.DeadLettersAsync());
        Assert.Equal(101, letter.Position);
        Assert.Contains("(unique)", letter.Error);
        Assert.Equal(1, await CountAsync(database, "SELECT count(*) FROM orders WHERE name = 'order 1';"));
    }

    [Fact]
    public async Task A_stalled_batch_holds_the_reader_back_to_the_in_flight_bound_and_the_run_then_loads_every_record_in_order()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        const int parallelism = 2, batchSize = 10, total = 5000;
        // The batches in flight, and the one the reader has filled and waits to hand on.
        const long bound = (StepRunner.InFlightPerWorker * parallelism + 1) * batchSize;
        var source = new MemorySource(total);
        long readWhileHeld = -1;
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps =
            [
                Step(() => source, () => new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Mode = SinkWriteMode.Append }), batchSize, parallelism) with
                {
                    Validate = record =>
                    {
                        // Bounded: an engine without backpressure reads past the bound at once; one with it never does.
                        if (record.Position == 1)
                        {
                            SpinWait.SpinUntil(() => source.Yielded > bound, TimeSpan.FromSeconds(1));
                            readWhileHeld = source.Yielded;
                        }
                        return [];
                    },
                },
            ],
        };

        var run = await harness.RunAsync(plan);

        Assert.InRange(readWhileHeld, 1, bound);
        Assert.Equal((PipelineRunStatus.Succeeded, total, total), (run.Status, run.RecordsIn, run.Loaded));
        Assert.Equal(total, await CountAsync(database, "SELECT count(*) FROM orders;"));
        // Loaded in source order: appended without a key, each row's insertion rank (its rowid order) is its id.
        Assert.Equal(0, await CountAsync(database, "SELECT count(*) FROM (SELECT id, row_number() OVER (ORDER BY rowid) AS rank FROM orders) WHERE id <> rank;"));
    }

    [Fact]
    public async Task A_locked_database_is_retried_and_counted()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        var busy = 0;
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps = [Step(() => new MemorySource(500), () => new FlakySink(new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Key = ["id"] }), () => busy++ < 2))],
        };

        var run = await harness.RunAsync(plan);

        Assert.Equal(PipelineRunStatus.Succeeded, run.Status);
        Assert.Equal(2, run.Retried);
        Assert.Equal(500, await CountAsync(database, "SELECT count(*) FROM orders;"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(3, true)]
    public async Task Fail_fast_loads_the_records_before_the_first_invalid_one_and_stops(int parallelism, bool validatedInTurns = false)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var database = harness.Path("out.db");
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps =
            [
                Step(() => new MemorySource(1000), () => new SqliteSink(new SqliteSinkOptions { Path = database, Table = "orders", Key = ["id"] }), batchSize: 64, parallelism: parallelism) with
                {
                    FailFast = true,
                    // As a unique column's validation is: the workers validate batch by batch in source order.
                    ValidationRemembers = validatedInTurns,
                    Validate = r => (long)r["id"]! is 321 or 700
                        ? [new ValidationFailure { Position = r.Position, Location = r.Location, Rule = "expression", Message = "bad" }]
                        : [],
                },
            ],
        };

        var run = await harness.RunAsync(plan);

        Assert.Equal(PipelineRunStatus.Failed, run.Status);
        Assert.Contains("orders:321", run.Error);
        Assert.Equal(321, run.RecordsIn);
        Assert.Equal(320, run.Loaded);
        Assert.Equal(320, await CountAsync(database, "SELECT max(id) FROM orders;"));
    }

    [Fact]
    public async Task A_step_whose_dependency_failed_does_not_run_and_steps_run_in_dependency_order()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var order = new List<string>();
        PipelineStepPlan Named(string name, string[] dependsOn, bool fail) => Step(
            () => { lock (order) order.Add(name); return new MemorySource(10); },
            () => fail ? new FailingSink(new SqliteSink(new SqliteSinkOptions { Path = harness.Path(name + ".db"), Table = "t", Key = ["id"] }), 0, () => new IOException("disk full"))
                       : new SqliteSink(new SqliteSinkOptions { Path = harness.Path(name + ".db"), Table = "t", Key = ["id"] })) with { Name = name, DependsOn = dependsOn };
        var plan = new PipelinePlan { Name = "graph", Steps = [Named("report", ["clean"], false), Named("clean", ["extract"], true), Named("extract", [], false)] };

        var run = await harness.RunAsync(plan);

        Assert.Equal(["extract", "clean", "report"], order);
        Assert.Equal(PipelineRunStatus.Failed, run.Status);
        Assert.Equal(PipelineRunStatus.Succeeded, run.Steps.Single(s => s.Step == "extract").Status);
        Assert.Contains("disk full", run.Steps.Single(s => s.Step == "clean").Error);
        Assert.Contains("step 'clean' it depends on did not succeed", run.Steps.Single(s => s.Step == "report").Error);
    }

    [Fact]
    public void A_dependency_cycle_is_refused_naming_it()
    {
        PipelineStepPlan Named(string name, params string[] dependsOn) => Step(() => new MemorySource(1), () => null!) with { Name = name, DependsOn = dependsOn };
        var error = Assert.Throws<ArgumentException>(() => PipelinePlan.Order([Named("a", "c"), Named("b", "a"), Named("c", "b")]));
        Assert.Contains("a -> c -> b -> a", error.Message);
        Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => PipelinePlan.Order([Named("a", "nope")])).Message);
    }

    [Fact]
    public async Task A_finished_run_is_kept_and_listed_newest_first()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var plan = new PipelinePlan { Name = "orders", Steps = [Step(() => new MemorySource(10), () => new SqliteSink(new SqliteSinkOptions { Path = harness.Path("o.db"), Table = "t", Key = ["id"] }))] };
        await harness.RunAsync(plan, "run-a");
        await harness.RunAsync(plan, "run-b");

        var runs = new List<PipelineRun>();
        await foreach (var run in new PipelineRunStore(harness.Store).ListAsync("orders", null, 10, CancellationToken.None)) runs.Add(run);

        Assert.Equal(["run-b", "run-a"], runs.Select(r => r.RunId));
        Assert.All(runs, r => Assert.Equal(PipelineRunStatus.Succeeded, r.Status));
        Assert.Equal(10, runs[0].Steps.Single().Loaded);
        Assert.Null(await new PipelineRunStore(harness.Store).FindUnfinishedAsync("orders", CancellationToken.None));
    }

    [Fact]
    public async Task Metrics_count_records_by_outcome_and_the_backlog_is_empty_when_the_step_ends()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var plan = new PipelinePlan
        {
            Name = "metered",
            Steps = [Step(() => new MemorySource(300, p => p % 100 == 0), () => new SqliteSink(new SqliteSinkOptions { Path = harness.Path("m.db"), Table = "t", Key = ["id"] }))],
        };

        await new PipelineRunner(plan, harness.Services with { Metrics = new PipelineMetrics(registry) }).RunAsync("run-m", null, CancellationToken.None);

        using var buffer = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(buffer);
        var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        Assert.Contains("ops_pipeline_records_total{pipeline=\"metered\",step=\"load\",outcome=\"loaded\"} 297", text);
        Assert.Contains("ops_pipeline_records_total{pipeline=\"metered\",step=\"load\",outcome=\"rejected\"} 3", text);
        Assert.Contains("ops_pipeline_backlog_records{pipeline=\"metered\",step=\"load\"} 0", text);
        Assert.Contains("ops_pipeline_last_run_success{pipeline=\"metered\"} 1", text);
    }

    private sealed class ThrowingTransform(Func<long, bool> at) : IRecordTransform
    {
        public string Name => "throwing";

        public DataRecord? Apply(DataRecord record) => at(record.Position) ? throw new FormatException($"boom at {record.Position}") : record;
    }

    private sealed class FilterOdd(Func<long, bool> at) : IRecordTransform
    {
        public string Name => "filter";

        public DataRecord? Apply(DataRecord record) => at(record.Position) ? null : record;
    }

    private sealed class UpperName : IRecordTransform
    {
        public string Name => "upper";

        public DataRecord? Apply(DataRecord record) =>
            new(record.Shape, [record.Values[0], ((string)record.Values[1]!).ToUpperInvariant(), record.Values[2]], record.Position, record.Location);
    }

    private sealed class FlakySink(IRecordSink inner, Func<bool> busy) : IRecordSink
    {
        public string DatasetNamespace => inner.DatasetNamespace;

        public string DatasetName => inner.DatasetName;

        public Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken) => inner.OpenAsync(context, cancellationToken);

        public Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken) =>
            busy() ? throw new SqliteException("database is locked", 5) : inner.WriteAsync(records, beforeCommit, cancellationToken);

        public Task CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

        public bool IsTransient(Exception exception) => inner.IsTransient(exception);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Records whose id is their position, except <c>count</c> of them from <c>repeatsFrom</c> on, which repeat ids 1, 2, ...</summary>
internal sealed class RepeatedIdSource(int total, int repeatsFrom, int count) : Core.Pipelines.Sources.IRecordSource
{
    private static readonly RecordShape Shape = new(["id", "name"]);

    public string Name => "memory:repeated";

    public string DatasetNamespace => "memory";

    public string DatasetName => "repeated";

    public async IAsyncEnumerable<Core.Pipelines.Sources.SourceItem> ReadAsync(long skip, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (long position = skip + 1; position <= total; position++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = position >= repeatsFrom && position < repeatsFrom + count ? position - repeatsFrom + 1 : position;
            yield return new DataRecord(Shape, [id, $"order {position}"], position, $"repeated:{position}");
        }
        await Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
