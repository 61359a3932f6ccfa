using Microsoft.Data.Sqlite;
using Npgsql;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Replay;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines.Replay;

public sealed class DeadLetterReplayTests
{
    private static PipelineStepPlan Step(Func<IRecordSink> sink, Func<Core.Pipelines.Sources.IRecordSource> source, RecordValidator? validator = null) => new()
    {
        Name = "load",
        CreateSource = source,
        CreateSink = sink,
        Validate = validator is null ? null : validator.Validate,
        ValidationRemembers = validator?.RemembersValues ?? false,
        UniqueColumns = validator?.UniqueColumns ?? [],
        BatchSize = 100,
        Parallelism = 1,
        Retry = new() { RetryCount = 0 },
    };

    private static RecordValidator UniqueId() => new(null, [new ColumnRule { Name = "id", Unique = true }], [], ValidationMode.Lazy);

    private static async Task<List<ReplayResult>> ReplayAsync(PipelineHarness harness, PipelineStepPlan step, string runId, string pipeline = "orders")
    {
        var letters = new DeadLetterStore(harness.Store);
        var results = new List<ReplayResult>();
        await foreach (var result in new DeadLetterReplay(letters, harness.Services).ReplayAsync(step, pipeline, await harness.DeadLettersAsync(), runId, CancellationToken.None))
            results.Add(result);
        return results;
    }

    private static async Task<object?> SqliteScalarAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static string PostgresConnection()
    {
        var connection = Environment.GetEnvironmentVariable("OPS_TEST_POSTGRES_CONNECTION");
        Assert.False(string.IsNullOrEmpty(connection), "This test needs the real PostgreSQL: run it through ./build.ps1 Test, which starts it and sets OPS_TEST_POSTGRES_CONNECTION.");
        return connection!;
    }

    private static async Task<object?> PostgresScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresConnection());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>A sink of each database, upserting on the key or appending to a table without one, and how to read a row back.</summary>
    private sealed record SinkKind(Func<IRecordSink> Create, Func<string, Task<object?>> Scalar, string Table);

    private static SinkKind Sink(PipelineHarness harness, string database, bool upsert)
    {
        if (database == "sqlite")
        {
            var path = harness.Path("out.db");
            return new(() => new SqliteSink(new SqliteSinkOptions { Path = path, Table = "orders", Key = upsert ? ["id"] : [], Mode = upsert ? SinkWriteMode.Upsert : SinkWriteMode.Append }),
                sql => SqliteScalarAsync(path, sql), "orders");
        }
        var table = "replay_" + Guid.NewGuid().ToString("N")[..12];
        return new(() => new PostgresSink(new PostgresSinkOptions { ConnectionString = PostgresConnection(), Table = table, Key = upsert ? ["id"] : [], Mode = upsert ? SinkWriteMode.Upsert : SinkWriteMode.Append }),
            PostgresScalarAsync, table);
    }

    // The bug this guards: the original run rejected the second id 1 as a duplicate, and a replay
    // of it unfixed (a new validator knows no ids) upserted it over the real row 1.
    [Theory]
    [InlineData("sqlite", true)]
    [InlineData("sqlite", false)]
    [InlineData("postgres", true)]
    [InlineData("postgres", false)]
    public async Task An_unfixed_replay_of_a_duplicate_key_changes_nothing_and_the_letter_stays_with_its_new_reason(string database, bool upsert)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var sink = Sink(harness, database, upsert);
        // Positions 9 and 10 repeat ids 1 and 2 under other names.
        var step = Step(sink.Create, () => new RepeatedIdSource(10, repeatsFrom: 9, count: 2), UniqueId());
        // The PostgreSQL checkpoint table is shared by every test: the pipeline is named after the test's own table.
        var run = await harness.RunAsync(new PipelinePlan { Name = sink.Table, Steps = [step] });
        Assert.Equal(8, run.Loaded);
        Assert.Equal(2, (await harness.DeadLettersAsync()).Count);

        var replay = Assert.Single(await ReplayAsync(harness, Step(sink.Create, () => new RepeatedIdSource(10, 9, 2), UniqueId()), "replay-1", sink.Table));

        Assert.Equal(0, replay.Run.Loaded);
        Assert.Equal(2, replay.Run.Rejected);
        Assert.Empty(replay.Replayed);
        Assert.Equal("order 1", await sink.Scalar($"SELECT name FROM {sink.Table} WHERE id = 1;"));
        Assert.Equal(8L, Convert.ToInt64(await sink.Scalar($"SELECT count(*) FROM {sink.Table};"), System.Globalization.CultureInfo.InvariantCulture));
        var letters = await harness.DeadLettersAsync();
        Assert.Equal(2, letters.Count);
        Assert.All(letters, l => Assert.Null(l.ClaimRunId));
        Assert.All(letters, l => Assert.Equal(PipelineStage.Load, l.Stage));
        Assert.Equal($"id = 1 is already in table '{sink.Table}': a replay never overwrites a loaded record.", letters.Single(l => l.Position == 9).Error);
    }

    [Fact]
    public async Task A_replayed_record_whose_key_is_free_in_the_sink_loads()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var sink = Sink(harness, "sqlite", upsert: true);
        var step = Step(sink.Create, () => new RepeatedIdSource(10, repeatsFrom: 9, count: 2), UniqueId());
        await harness.RunAsync(new PipelinePlan { Name = "orders", Steps = [step] });
        await SqliteScalarAsync(harness.Path("out.db"), "DELETE FROM orders WHERE id = 2;");

        var replay = Assert.Single(await ReplayAsync(harness, step with { Validate = UniqueId().Validate }, "replay-1"));

        Assert.Equal(1, replay.Run.Loaded);
        Assert.Equal(10L, Assert.Single(replay.Replayed).Position);
        Assert.Equal("order 10", await sink.Scalar("SELECT name FROM orders WHERE id = 2;"));
        Assert.Equal(PipelineStage.Load, Assert.Single(await harness.DeadLettersAsync()).Stage);
    }

    /// <summary>Letters of 1,000 records the original run rejected (every amount was over its maximum then), fixed by dropping the rule.</summary>
    private static async Task<PipelineHarness> LettersAsync(int count)
    {
        var harness = await PipelineHarness.CreateAsync();
        var strict = new RecordValidator(null, [new ColumnRule { Name = "amount", Type = ColumnType.Number, Maximum = 0d }], [], ValidationMode.Lazy);
        var run = await harness.RunAsync(new PipelinePlan { Name = "orders", Steps = [Step(() => new SqliteSink(new SqliteSinkOptions { Path = harness.Path("out.db"), Table = "orders", Mode = SinkWriteMode.Append }), () => new MemorySource(count), strict)] });
        Assert.Equal(count, run.Rejected);
        return harness;
    }

    private static SqliteSink AppendSink(PipelineHarness harness) => new(new SqliteSinkOptions { Path = harness.Path("out.db"), Table = "orders", Mode = SinkWriteMode.Append });

    // A replay that dies after any batch, before or after the sink committed it, leaves its claims;
    // the next replay finishes it from the sink's checkpoint. The sink appends: a letter loaded twice would be a second row.
    [Theory]
    [InlineData("sqlite", 0, false)]
    [InlineData("sqlite", 4, false)]
    [InlineData("sqlite", 4, true)]
    [InlineData("sqlite", 9, true)]
    [InlineData("postgres", 4, false)]
    [InlineData("postgres", 9, true)]
    public async Task A_replay_that_dies_after_any_batch_is_finished_by_the_next_loading_each_letter_once(string database, int batches, bool afterCommit)
    {
        using var harness = await LettersAsync(1000);
        var sink = Sink(harness, database, upsert: false);
        var fixedStep = Step(sink.Create, () => new MemorySource(0));
        // Run ids of their own: the PostgreSQL checkpoint table outlives the test.
        var (first, second, third) = ("replay-" + Guid.NewGuid().ToString("N"), "replay-" + Guid.NewGuid().ToString("N"), "replay-" + Guid.NewGuid().ToString("N"));

        var died = Assert.Single(await ReplayAsync(harness, fixedStep with { CreateSink = () => new FailingSink(sink.Create(), batches, () => new IOException("killed"), afterCommit) }, first));
        Assert.Equal(PipelineRunStatus.Failed, died.Run.Status);
        Assert.Empty(died.Replayed);
        Assert.All(await harness.DeadLettersAsync(), l => Assert.Equal(first, l.ClaimRunId));

        var next = await ReplayAsync(harness, fixedStep, second);

        var finished = Assert.Single(next);
        Assert.Equal(first, finished.Run.RunId);
        Assert.True(finished.Resumed);
        Assert.Equal(1000, finished.Replayed.Count);
        Assert.Equal(1000, finished.Run.Loaded);
        Assert.Equal(1000L, Convert.ToInt64(await sink.Scalar($"SELECT count(*) FROM {sink.Table};"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1000L, Convert.ToInt64(await sink.Scalar($"SELECT count(DISTINCT id) FROM {sink.Table};"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(await harness.DeadLettersAsync());
        Assert.All(await harness.DeadLettersAsync(new DeadLetterFilter { IncludeReplayed = true }), l => Assert.Equal(first, l.ReplayRunId));
        Assert.Empty(await ReplayAsync(harness, fixedStep, third));
    }

    private static IRecordSink FileSink(PipelineHarness harness, string format, string path, IReadOnlyList<string>? key = null) => format == "csv"
        ? new CsvFileSink(path, new PipelineCheckpointStore(harness.Store), TimeProvider.System, key: key)
        : new JsonLinesFileSink(path, new PipelineCheckpointStore(harness.Store), TimeProvider.System, key);

    // Before, a finished replay renamed its partial file over the target: the file kept only the replayed records.
    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task An_unfixed_replay_into_a_file_with_a_key_leaves_the_file_as_it_was(string format)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var target = harness.Path("out." + format);
        var step = Step(() => FileSink(harness, format, target, ["id"]), () => new RepeatedIdSource(10, repeatsFrom: 9, count: 2), UniqueId());
        Assert.Equal(8, (await harness.RunAsync(new PipelinePlan { Name = "orders", Steps = [step] })).Loaded);
        var before = await File.ReadAllBytesAsync(target);

        var replay = Assert.Single(await ReplayAsync(harness, step with { Validate = UniqueId().Validate }, "replay-1"));

        Assert.Equal(0, replay.Run.Loaded);
        Assert.Equal(2, replay.Run.Rejected);
        Assert.Equal(before, await File.ReadAllBytesAsync(target));
        Assert.Equal($"id = 1 is already in '{target}': a replay never overwrites a loaded record.", (await harness.DeadLettersAsync()).Single(l => l.Position == 9).Error);
        Assert.Empty(Directory.GetFiles(harness.Path(""), ".out.*", SearchOption.TopDirectoryOnly));
    }

    // The replay ends after its merge into the file and before it marks its letters (a kill there); the next replay adds nothing twice.
    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task A_replay_into_a_file_appends_once_even_when_it_dies_after_the_merge(string format)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var target = harness.Path("out." + format);
        var strict = new RecordValidator(null, [new ColumnRule { Name = "amount", Type = ColumnType.Number, Maximum = 750 * 1.5 }], [], ValidationMode.Lazy);
        var original = Step(() => FileSink(harness, format, target), () => new MemorySource(1000), strict);
        Assert.Equal(250, (await harness.RunAsync(new PipelinePlan { Name = "orders", Steps = [original] })).Rejected);
        var fixedStep = original with { Validate = null };

        var died = Assert.Single(await ReplayAsync(harness, fixedStep with { CreateSink = () => new DiesAfterComplete(FileSink(harness, format, target)) }, "replay-1"));
        Assert.Equal(PipelineRunStatus.Failed, died.Run.Status);
        var finished = Assert.Single(await ReplayAsync(harness, fixedStep, "replay-2"));

        Assert.True(finished.Resumed);
        Assert.Equal(250, finished.Replayed.Count);
        var ids = new List<long>();
        await using (var written = format == "csv" ? (Core.Pipelines.Sources.IRecordSource)new Core.Pipelines.Sources.CsvRecordSource(target) : new Core.Pipelines.Sources.JsonLinesRecordSource(target))
        {
            await foreach (var item in written.ReadAsync(0, CancellationToken.None)) ids.Add(Convert.ToInt64(item.Record!["id"], System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), ids.Order());
        Assert.Empty(await harness.DeadLettersAsync());
    }

    // Ids 1-100 come twice in the letters; the replay dies after it committed the first 200 to its partial file.
    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task A_resumed_replay_into_a_file_refuses_a_key_its_killed_part_wrote(string format)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var target = harness.Path("out." + format);
        var strict = new RecordValidator(null, [new ColumnRule { Name = "name", MaxLength = 1 }], [], ValidationMode.Lazy);
        var original = Step(() => FileSink(harness, format, target, ["id"]), () => new RepeatedIdSource(300, repeatsFrom: 201, count: 100), strict);
        Assert.Equal(300, (await harness.RunAsync(new PipelinePlan { Name = "orders", Steps = [original] })).Rejected);
        var fixedStep = original with { Validate = null };

        var died = Assert.Single(await ReplayAsync(harness, fixedStep with { CreateSink = () => new FailingSink(FileSink(harness, format, target, ["id"]), 2, () => new IOException("killed")) }, "replay-1"));
        Assert.Equal(200, died.Run.Loaded);
        var finished = Assert.Single(await ReplayAsync(harness, fixedStep, "replay-2"));

        Assert.Equal(200, finished.Replayed.Count);
        Assert.Equal(100, finished.FailedAgain.Count);
        Assert.Equal(format == "csv" ? 201 : 200, (await File.ReadAllLinesAsync(target)).Length);
        Assert.All(await harness.DeadLettersAsync(), l => Assert.Matches("^id = [0-9]+ is already in ", l.Error));
    }

    /// <summary>A sink whose load ends after the inner sink completed it: a kill between the sink's last step and the replay's marking.</summary>
    private sealed class DiesAfterComplete(IRecordSink inner) : IRecordSink
    {
        public string DatasetNamespace => inner.DatasetNamespace;

        public string DatasetName => inner.DatasetName;

        public Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken) => inner.OpenAsync(context, cancellationToken);

        public Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken) => inner.WriteAsync(records, beforeCommit, cancellationToken);

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await inner.CompleteAsync(cancellationToken);
            throw new IOException("killed");
        }

        public bool IsTransient(Exception exception) => false;

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task Two_replays_at_once_never_both_take_a_letter()
    {
        using var harness = await LettersAsync(1000);
        var step = Step(() => AppendSink(harness), () => new MemorySource(0));

        var both = await Task.WhenAll(Task.Run(() => ReplayAsync(harness, step, "replay-a")), Task.Run(() => ReplayAsync(harness, step, "replay-b")));

        var runs = both.SelectMany(r => r).ToList();
        Assert.Equal(1000, runs.Sum(r => r.Replayed.Count));
        Assert.Equal(1000, runs.SelectMany(r => r.Replayed).Select(l => l.Id).Distinct().Count());
        Assert.Equal(1000L, await SqliteScalarAsync(harness.Path("out.db"), "SELECT count(*) FROM orders;"));
        Assert.Equal(1000L, await SqliteScalarAsync(harness.Path("out.db"), "SELECT count(DISTINCT id) FROM orders;"));
    }

    [Fact]
    public async Task A_claim_of_a_live_replay_is_not_taken_over_and_a_stale_one_is_taken_by_one_replay_only()
    {
        using var harness = await LettersAsync(3);
        var letters = new DeadLetterStore(harness.Store);
        var now = DateTimeOffset.UtcNow;
        await letters.ClaimAsync([1], "live", ReplayClaimant.ThisProcess(now.AddMinutes(10)), CancellationToken.None);
        await letters.ClaimAsync([2], "expired", new ReplayClaimant("another-host", 4242, now.AddMinutes(-1)), CancellationToken.None);

        var first = await letters.TakeOverStaleClaimsAsync("orders", "load", ReplayClaimant.ThisProcess(now.AddMinutes(10)), now, CancellationToken.None);
        var second = await letters.TakeOverStaleClaimsAsync("orders", "load", new ReplayClaimant("another-host", 4243, now.AddMinutes(10)), now, CancellationToken.None);

        Assert.Equal(["expired"], first);
        Assert.Empty(second);
    }
}
