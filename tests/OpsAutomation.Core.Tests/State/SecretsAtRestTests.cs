using System.Text;
using Microsoft.Data.Sqlite;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.State;

/// <summary>No credential of a checked URI is kept in the state store's files, new or migrated.</summary>
public sealed class SecretsAtRestTests : IDisposable
{
    private const string Password = "Pa55w0rd-at-rest-9k";
    private const string Token = "T0ken-at-rest-4q7z";
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Circuit_keys_and_history_targets_of_a_URI_with_credentials_hold_no_secret()
    {
        await using var service = new FaultServer(status: 503);
        var url = new Uri(service.Url);
        var target = $"http://ops:{Password}@{url.Authority}/health?token={Token}&api_key={Token}";
        var definition = HealthHarness.Http(target) with { CircuitBreakerThreshold = 1 };

        await _harness.RunAsync(definition);
        await _harness.RunAsync(definition);

        var store = await _harness.Runtime.GetStateStoreAsync(_harness.StatePath, CancellationToken.None);
        Assert.Equal(1, await ScalarAsync(store, "SELECT count(*) FROM circuit_state WHERE state = 'Open';"));
        AssertNoSecretIn(store);
    }

    [Fact]
    public async Task A_store_written_before_redaction_is_migrated_and_its_old_bytes_are_gone()
    {
        var directory = Path.Combine(_harness.StatePath, "old");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, StateStore.FileName);
        var secretTarget = $"http://ops:{Password}@127.0.0.1:9/health?token={Token}";
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            // The schema version before circuit keys and history targets were redacted.
            const int version = 5;
            await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;");
            foreach (var migration in StateSchema.Migrations.Take(version)) await ExecuteAsync(connection, migration);
            await ExecuteAsync(connection, $"""
                PRAGMA user_version = {version};
                INSERT INTO circuit_state (key, state, consecutive_failures, updated_at_utc) VALUES ('health:svc:Http:{secretTarget}', 'Open', 3, '2026-01-01');
                INSERT INTO circuit_state (key, state, consecutive_failures, updated_at_utc) VALUES ('health:plain:Http:http://127.0.0.1:9/', 'Open', 3, '2026-01-01');
                INSERT INTO health_history (run_id, name, kind, target, status, response_time_ms, attempts, first_attempt_status, error_kind, timestamp_utc)
                VALUES ('r', 'svc', 'Http', '{secretTarget}', 'Unhealthy', 1, 1, 'Unhealthy', 'None', '2026-01-01T00:00:00Z');
                """);
        }

        var store = await StateStore.OpenAsync(directory, CancellationToken.None);

        Assert.Equal(StateStore.CurrentSchemaVersion, await store.GetSchemaVersionAsync(CancellationToken.None));
        Assert.Equal(1, await ScalarAsync(store, "SELECT count(*) FROM circuit_state WHERE key = 'health:plain:Http:http://127.0.0.1:9/';"));
        Assert.Equal(1, await ScalarAsync(store, "SELECT count(*) FROM health_history WHERE target = 'http://[REDACTED]@127.0.0.1:9/health?[REDACTED]';"));
        AssertNoSecretIn(store);
    }

    private static void AssertNoSecretIn(StateStore store)
    {
        var files = Directory.GetFiles(store.Directory, StateStore.FileName + "*");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var bytes = Encoding.Latin1.GetString(ReadShared(file));
            Assert.DoesNotContain(Password, bytes, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, bytes, StringComparison.Ordinal);
        }
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task<long> ScalarAsync(StateStore store, string sql)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
