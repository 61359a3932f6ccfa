using Npgsql;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines;

/// <summary>Against the real PostgreSQL that ./build.ps1 Test starts (OPS_TEST_POSTGRES_CONNECTION).</summary>
public sealed class PostgresSinkTests
{
    private static string Connection()
    {
        var connection = Environment.GetEnvironmentVariable("OPS_TEST_POSTGRES_CONNECTION");
        Assert.False(string.IsNullOrEmpty(connection), "This test needs the real PostgreSQL: run it through ./build.ps1 Test, which starts it and sets OPS_TEST_POSTGRES_CONNECTION.");
        return connection!;
    }

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Connection());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string NewTable() => "sink_" + Guid.NewGuid().ToString("N")[..12];

    // The checkpoint table is shared by every test in the database: each test's pipeline is named after its own table.
    private static PipelineStepPlan Step(Func<IRecordSink> sink, int count, Func<long, bool>? problemAt = null) => new()
    {
        Name = "load",
        CreateSource = () => new MemorySource(count, problemAt),
        CreateSink = sink,
        BatchSize = 100,
        Parallelism = 2,
        Retry = new() { RetryCount = 0 },
    };

    [Fact]
    public async Task A_run_copies_and_merges_every_record_and_a_rerun_updates_the_same_rows()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var table = NewTable();
        PostgresSink Sink() => new(new PostgresSinkOptions { ConnectionString = Connection(), Table = table, Key = ["id"] });
        var plan = new PipelinePlan { Name = table, Steps = [Step(Sink, 1050, p => p == 500)] };

        var first = await harness.RunAsync(plan, "run-a");
        var second = await harness.RunAsync(plan, "run-b");

        Assert.Equal(PipelineRunStatus.CompletedWithRejections, first.Status);
        Assert.Equal(1049, first.Loaded);
        Assert.Equal(1049, second.Loaded);
        Assert.Equal(1049, await ScalarAsync($"SELECT count(*) FROM \"{table}\""));
        Assert.Equal(1050L * 1051 / 2 - 500, await ScalarAsync($"SELECT sum(id) FROM \"{table}\""));
        Assert.Equal(1575, await ScalarAsync($"SELECT amount::bigint FROM \"{table}\" WHERE id = 1050"));
        Assert.Equal("sink", new PostgresSink(new PostgresSinkOptions { ConnectionString = Connection(), Table = table, Key = ["id"] }).DatasetName.Split('.')[^1][..4]);
    }

    [Fact]
    public async Task A_row_the_server_refuses_is_dead_lettered_and_the_rest_of_its_batch_loads()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var table = NewTable();
        await using (var connection = new NpgsqlConnection(Connection()))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE TABLE \"{table}\" (id bigint PRIMARY KEY, name text NOT NULL CHECK (name <> 'order 42'), amount double precision)", connection);
            await create.ExecuteNonQueryAsync();
        }
        var plan = new PipelinePlan { Name = table, Steps = [Step(() => new PostgresSink(new PostgresSinkOptions { ConnectionString = Connection(), Table = table, Key = ["id"] }), 150)] };

        var run = await harness.RunAsync(plan);

        Assert.Equal(149, run.Loaded);
        Assert.Equal(149, await ScalarAsync($"SELECT count(*) FROM \"{table}\""));
        var letter = Assert.Single(await harness.DeadLettersAsync());
        Assert.Equal(PipelineStage.Load, letter.Stage);
        Assert.Equal(42, letter.Position);
        Assert.Contains("23514", letter.Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public async Task A_run_killed_after_a_commit_and_resumed_loads_every_record_once(int batches)
    {
        using var harness = await PipelineHarness.CreateAsync();
        var table = NewTable();
        // Append, without a key: a record loaded twice would be a second row.
        PostgresSink Sink() => new(new PostgresSinkOptions { ConnectionString = Connection(), Table = table, Mode = SinkWriteMode.Append });
        var plan = new PipelinePlan { Name = table, Steps = [Step(() => new FailingSink(Sink(), batches, () => new IOException("killed"), afterCommit: true), 1000)] };

        var killed = await harness.RunAsync(plan);
        var resumed = await harness.RunAsync(plan with { Steps = [plan.Steps[0] with { CreateSink = Sink }] }, "run-1", killed);

        Assert.Equal(PipelineRunStatus.Failed, killed.Status);
        Assert.Equal(PipelineRunStatus.Succeeded, resumed.Status);
        Assert.Equal(1000, resumed.Loaded);
        Assert.Equal(1000, await ScalarAsync($"SELECT count(*) FROM \"{table}\""));
        Assert.Equal(1000, await ScalarAsync($"SELECT count(DISTINCT id) FROM \"{table}\""));
    }

    [Fact]
    public async Task An_unreachable_server_fails_the_step_naming_host_and_port_without_the_password()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var connection = "Host=127.0.0.1;Port=1;Username=u;Password=pg-secret-42;Database=d;Timeout=2";
        var plan = new PipelinePlan { Name = "unreachable", Steps = [Step(() => new PostgresSink(new PostgresSinkOptions { ConnectionString = connection, Table = "t", Key = ["id"] }), 10)] };

        var run = await harness.RunAsync(plan);

        Assert.Equal(PipelineRunStatus.Failed, run.Status);
        Assert.Contains("postgres://127.0.0.1:1", run.Error);
        Assert.DoesNotContain("pg-secret-42", run.Error);
    }
}
