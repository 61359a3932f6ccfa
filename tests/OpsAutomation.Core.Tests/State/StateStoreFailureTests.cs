using Microsoft.Data.Sqlite;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.State;

/// <summary>A store that fails after it opened raises typed errors, and a health run goes on through them.</summary>
public sealed class StateStoreFailureTests : IDisposable
{
    private static readonly TimeSpan ShortBusyTimeout = TimeSpan.FromSeconds(1);
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_write_locked_past_the_busy_timeout_is_a_Busy_error_naming_the_store_and_the_operation()
    {
        var store = await StateStore.OpenAsync(_harness.StatePath, CancellationToken.None, ShortBusyTimeout);
        await using var locker = await HoldWriteLockAsync(store.FilePath);

        var error = await Assert.ThrowsAsync<StateStoreException>(() =>
            new HealthHistoryStore(store).AppendAsync([Result()], CancellationToken.None));

        Assert.Equal(StateStoreErrorKind.Busy, error.Kind);
        Assert.Equal(store.FilePath, error.Path);
        Assert.Equal("save health history", error.Operation);
        Assert.Contains($"'{store.FilePath}' could not save health history", error.Message);
        Assert.Contains("busy timeout of 1 s", error.Message);
    }

    [Theory]
    [InlineData(5, StateStoreErrorKind.Busy)]
    [InlineData(6, StateStoreErrorKind.Busy)]
    [InlineData(13, StateStoreErrorKind.DiskFull)]
    [InlineData(8, StateStoreErrorKind.ReadOnly)]
    [InlineData(8 | (1 << 8), StateStoreErrorKind.ReadOnly)]
    [InlineData(11, StateStoreErrorKind.Corrupt)]
    [InlineData(10, StateStoreErrorKind.Failed)]
    public void A_SQLite_result_code_maps_to_its_kind(int code, StateStoreErrorKind kind)
    {
        var error = StateStoreException.From(new SqliteException("boom", code), "/state/opsautomation.db", "save the circuit state", ShortBusyTimeout);
        Assert.Equal(kind, error.Kind);
        Assert.StartsWith("The state store '/state/opsautomation.db' could not save the circuit state: ", error.Message);
    }

    [Fact]
    public async Task A_run_on_a_locked_store_yields_every_result_and_reports_the_circuit_and_history_failures()
    {
        await using var service = new FaultServer(status: 503);
        var settings = _harness.Settings with { StateBusyTimeoutSec = 1 };
        var store = await _harness.Runtime.GetStateStoreAsync(settings, CancellationToken.None);
        await using var locker = await HoldWriteLockAsync(store.FilePath);

        using var log = new OpsLog("locked", new OpsLogOptions { Directory = Path.Combine(_harness.StatePath, "logs") }, new SecretRedactor());
        await using var session = await HealthCheckSession.StartAsync(_harness.Runtime,
            new HealthRunOptions { RunId = "locked", Settings = settings, Secrets = new SecretResolver() }, log, CancellationToken.None);
        foreach (var name in new[] { "a", "b", "c" })
            session.Add(HealthHarness.Http(service.Url, name) with { CircuitBreakerThreshold = 1 });
        session.Complete();
        var results = new List<HealthCheckResult>();
        await foreach (var result in session.ReadResultsAsync(CancellationToken.None)) results.Add(result);
        await session.FinishAsync(CancellationToken.None);

        Assert.Equal(["a", "b", "c"], results.Select(r => r.Name).Order());
        Assert.All(results, r => Assert.Equal(HealthStatus.Unhealthy, r.Status));
        var failures = session.TakeStoreFailures();
        Assert.Equal(["save health history", "save the circuit state"], failures.Select(f => f.Operation!).Order());
        Assert.All(failures, f => Assert.Equal(StateStoreErrorKind.Busy, f.Kind));
    }

    public static TheoryData<string, string> PipelineWrites => new()
    {
        { "dead letters", "save dead letters" },
        { "checkpoint", "save the pipeline checkpoint" },
        { "purge", "purge dead letters" },
    };

    [Theory]
    [MemberData(nameof(PipelineWrites))]
    public async Task A_pipeline_store_write_locked_past_the_busy_timeout_is_a_Busy_error_naming_the_operation(string write, string operation)
    {
        var store = await StateStore.OpenAsync(_harness.StatePath, CancellationToken.None, ShortBusyTimeout);
        await using var locker = await HoldWriteLockAsync(store.FilePath);

        var error = await Assert.ThrowsAsync<StateStoreException>(() => write switch
        {
            "dead letters" => new DeadLetterStore(store).AddAsync([new NewDeadLetter("p", "s", "r", PipelineStage.Read, 1, "line 2", "bad", 1, "{}")], DateTimeOffset.UtcNow, CancellationToken.None),
            "checkpoint" => new PipelineCheckpointStore(store).SaveAsync("p", "s", "r", new StepCheckpoint(1, 1, 1, 0, 0), null, DateTimeOffset.UtcNow, CancellationToken.None),
            _ => new DeadLetterStore(store).PurgeAsync(new DeadLetterFilter(), CancellationToken.None),
        });

        Assert.Equal((StateStoreErrorKind.Busy, store.FilePath, operation), (error.Kind, error.Path, error.Operation));
    }

    public static TheoryData<string, string> PipelineReads => new()
    {
        { "dead_letters", "read dead letters" },
        { "pipeline_runs", "read pipeline runs" },
        { "pipeline_checkpoints", "read the pipeline checkpoint" },
        { "metric_samples", "read metric history" },
    };

    /// <summary>A read that fails after open (here its table is gone) is typed too, streamed reads included.</summary>
    [Theory]
    [MemberData(nameof(PipelineReads))]
    public async Task A_pipeline_store_read_that_fails_is_a_typed_error_naming_the_operation(string table, string operation)
    {
        var store = await StateStore.OpenAsync(_harness.StatePath, CancellationToken.None, ShortBusyTimeout);
        await using (var connection = new SqliteConnection($"Data Source={store.FilePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = $"PRAGMA foreign_keys = OFF; DROP TABLE {table};";
            await drop.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<StateStoreException>(async () =>
        {
            switch (table)
            {
                case "dead_letters": await foreach (var _ in new DeadLetterStore(store).ListAsync(new DeadLetterFilter(), CancellationToken.None)) { } break;
                case "pipeline_runs": await foreach (var _ in new PipelineRunStore(store).ListAsync(null, null, 10, CancellationToken.None)) { } break;
                case "pipeline_checkpoints": await new PipelineCheckpointStore(store).GetAsync("p", "s", "r", CancellationToken.None); break;
                default: await foreach (var _ in new MetricHistoryStore(store).ReadAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow, CancellationToken.None)) { } break;
            }
        });

        Assert.Equal((StateStoreErrorKind.Failed, store.FilePath, operation), (error.Kind, error.Path, error.Operation));
        Assert.Contains($"'{store.FilePath}' could not {operation}", error.Message);
    }

    /// <summary>Another process's write transaction on the file, held until disposed.</summary>
    private static async Task<SqliteConnection> HoldWriteLockAsync(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE;";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private static HealthCheckResult Result() => new()
    {
        Name = "svc", Kind = HealthCheckKind.Http, Target = "http://x/", Status = HealthStatus.Healthy, RunId = "r",
        Timestamp = DateTimeOffset.UtcNow, ResponseTime = TimeSpan.FromMilliseconds(3),
    };
}
