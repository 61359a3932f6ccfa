using Microsoft.Data.Sqlite;
using OpsAutomation.Core;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.State;

public sealed class StateStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static HealthCheckResult Result(string name, string run) => new()
    {
        Name = name, Kind = HealthCheckKind.Http, Target = "http://x/", Status = HealthStatus.Healthy, RunId = run,
        Timestamp = DateTimeOffset.UtcNow, ResponseTime = TimeSpan.FromMilliseconds(3),
        Details = new Dictionary<string, object?> { ["HttpVersion"] = "1.1" },
    };

    [Fact]
    public async Task A_new_store_is_in_WAL_mode_at_the_current_schema_version()
    {
        var store = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        Assert.Equal(StateStore.CurrentSchemaVersion, await store.GetSchemaVersionAsync(CancellationToken.None));
        await using var connection = new SqliteConnection($"Data Source={store.FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_store_from_a_newer_module_is_refused_with_its_version()
    {
        var store = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        await using (var connection = new SqliteConnection($"Data Source={store.FilePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        var ex = await Assert.ThrowsAsync<StateStoreException>(() => StateStore.OpenAsync(_dir.Path, CancellationToken.None));
        Assert.Contains("schema version 99", ex.Message);
    }

    [Fact]
    public async Task Two_writers_at_once_lose_nothing()
    {
        // Two stores stand for two scheduled runs: separate connections to one file.
        var first = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        var second = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        async Task Write(StateStore store, string run)
        {
            var history = new HealthHistoryStore(store);
            for (var i = 0; i < 50; i++)
                await history.AppendAsync([Result($"svc{i % 5}", run), Result("other", run)], CancellationToken.None);
        }
        await Task.WhenAll(Task.Run(() => Write(first, "a")), Task.Run(() => Write(second, "b")));
        var rows = await new HealthHistoryStore(first).ReadAsync(null, null, 10_000, CancellationToken.None);
        Assert.Equal(200, rows.Count);
        Assert.Equal(100, rows.Count(r => r.RunId == "a"));
        Assert.Equal("1.1", rows[0].Details["HttpVersion"]?.ToString());
    }

    [Fact]
    public async Task A_state_directory_removed_while_the_process_lives_is_made_anew_and_written_to()
    {
        using var runtime = new OpsRuntime();
        var folder = Path.Combine(_dir.Path, "removed");
        var history = new HealthHistoryStore(await runtime.GetStateStoreAsync(folder, CancellationToken.None));
        await history.AppendAsync([Result("before", "a")], CancellationToken.None);
        Directory.Delete(folder, recursive: true);

        // The next run of this process asks the runtime for the store, as each cmdlet does.
        var again = await runtime.GetStateStoreAsync(folder, CancellationToken.None);
        await new HealthHistoryStore(again).AppendAsync([Result("after", "b")], CancellationToken.None);

        // Another process (a connection of its own) sees the row in the file that is there now.
        await using var connection = new SqliteConnection($"Data Source={again.FilePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(name) FROM health_history;";
        Assert.Equal("after", (string?)await command.ExecuteScalarAsync());
    }
}
