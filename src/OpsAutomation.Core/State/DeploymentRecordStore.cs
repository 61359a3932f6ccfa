using System.Globalization;
using Microsoft.Data.Sqlite;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.State;

/// <summary>
/// Deployment runs as they start, progress and end, so Get-DeploymentHistory can say who deployed
/// what and how it went, and a later run can find one a kill left InProgress and resume it. Each
/// write is one statement on its own connection, so two runs at once wait on the lock, never lose
/// a row. Reason and details pass through the redactor first: nothing secret reaches the file.
/// </summary>
public sealed class DeploymentRecordStore(StateStore store, TimeProvider? time = null, SecretRedactor? redactor = null)
{
    private const string Columns = """
        id, name, namespace, context, strategy, image, image_digest, user_name, started_at_utc, ended_at_utc,
        revision_before, revision_after, outcome, reason, details_json, host, process_id, updated_at_utc
        """;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Who runs this process, as records name them: user@host.</summary>
    public static string CurrentUser() => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>Records the start of a run (its outcome InProgress, this host and process); an id already there is a StateStoreException.</summary>
    public async Task<DeploymentRecord> StartAsync(DeploymentRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var stored = Stamp(record with { Outcome = DeploymentOutcome.InProgress, EndedAt = null });
        await store.RunAsync("save the deployment record", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                INSERT INTO deployment_records ({Columns})
                VALUES ($id, $name, $namespace, $context, $strategy, $image, $digest, $user, $started, $ended,
                        $before, $after, $outcome, $reason, $details, $host, $pid, $now);
                """;
            Bind(command, stored);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>
    /// Writes what changed in a run (revisions, image, outcome, reason, details) over its row; false
    /// when no record has its id. The deployment it names and its start never change.
    /// </summary>
    public async Task<bool> UpdateAsync(DeploymentRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var stored = Stamp(record);
        return await store.RunAsync("save the deployment record", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE deployment_records SET strategy = $strategy, image = $image, image_digest = $digest, ended_at_utc = $ended,
                    revision_before = $before, revision_after = $after, outcome = $outcome, reason = $reason, details_json = $details,
                    host = $host, process_id = $pid, updated_at_utc = $now
                WHERE id = $id;
                """;
            Bind(command, stored);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the run <paramref name="id"/> with <paramref name="outcome"/> now; false when no record has that id.</summary>
    public async Task<bool> FinishAsync(string id, DeploymentOutcome outcome, string? reason, long? revisionAfter, CancellationToken cancellationToken)
    {
        if (outcome == DeploymentOutcome.InProgress) throw new ArgumentException("A finished run needs an outcome other than InProgress.", nameof(outcome));
        var now = Format(_time.GetUtcNow());
        return await store.RunAsync("save the deployment record", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE deployment_records SET outcome = $outcome, reason = $reason, revision_after = coalesce($after, revision_after),
                    ended_at_utc = $now, updated_at_utc = $now
                WHERE id = $id;
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$outcome", outcome.ToString());
            command.Parameters.AddWithValue("$reason", Nullable(Redact(reason)));
            command.Parameters.AddWithValue("$after", revisionAfter is { } after ? after : DBNull.Value);
            command.Parameters.AddWithValue("$now", now);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record <paramref name="id"/>; null when there is none.</summary>
    public async Task<DeploymentRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await foreach (var record in QueryAsync("WHERE id = $id", c => c.Parameters.AddWithValue("$id", id), cancellationToken).ConfigureAwait(false))
            return record;
        return null;
    }

    /// <summary>
    /// Records newest first, at most <paramref name="limit"/>; <paramref name="name"/>, <paramref name="ns"/>
    /// and <paramref name="context"/> narrow them when given (a null context matches every context).
    /// </summary>
    public IAsyncEnumerable<DeploymentRecord> ListAsync(string? name, string? ns, string? context, int limit, CancellationToken cancellationToken) =>
        QueryAsync("""
            WHERE ($name IS NULL OR name = $name) AND ($namespace IS NULL OR namespace = $namespace) AND ($context IS NULL OR context = $context)
            ORDER BY started_at_utc DESC, id LIMIT $limit
            """, command =>
        {
            command.Parameters.AddWithValue("$name", Nullable(name));
            command.Parameters.AddWithValue("$namespace", Nullable(ns));
            command.Parameters.AddWithValue("$context", context is null ? DBNull.Value : context);
            command.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    /// <summary>The newest run of the deployment still InProgress (its Host and ProcessId tell a live run from a killed one); null when none.</summary>
    public async Task<DeploymentRecord?> FindUnfinishedAsync(string name, string ns, string? context, CancellationToken cancellationToken)
    {
        var rows = QueryAsync("""
            WHERE name = $name AND namespace = $namespace AND context = $context AND outcome = 'InProgress'
            ORDER BY started_at_utc DESC, id LIMIT 1
            """, command =>
        {
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$namespace", ns);
            command.Parameters.AddWithValue("$context", context ?? "");
        }, cancellationToken);
        await foreach (var record in rows.ConfigureAwait(false)) return record;
        return null;
    }

    private IAsyncEnumerable<DeploymentRecord> QueryAsync(string where, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        store.StreamAsync("read deployment records", connection => QueryAsync(connection, where, bind, cancellationToken), cancellationToken);

    private static async IAsyncEnumerable<DeploymentRecord> QueryAsync(SqliteConnection connection, string where, Action<SqliteCommand> bind,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM deployment_records {where};";
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return Read(reader);
    }

    private static DeploymentRecord Read(SqliteDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        long? Number(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
        return new DeploymentRecord
        {
            Id = reader.GetString(0),
            Name = reader.GetString(1),
            Namespace = reader.GetString(2),
            Context = Text(3) is { Length: > 0 } context ? context : null,
            Strategy = reader.GetString(4),
            Image = Text(5),
            ImageDigest = Text(6),
            User = reader.GetString(7),
            StartedAt = Parse(reader.GetString(8)),
            EndedAt = Text(9) is { } ended ? Parse(ended) : null,
            RevisionBefore = Number(10),
            RevisionAfter = Number(11),
            Outcome = Enum.Parse<DeploymentOutcome>(reader.GetString(12)),
            Reason = Text(13),
            DetailsJson = Text(14),
            Host = reader.GetString(15),
            ProcessId = reader.GetInt32(16),
            Timestamp = Parse(reader.GetString(17)),
        };
    }

    /// <summary>The record as it is written: this process as its runner, the time now, reason and details redacted.</summary>
    private DeploymentRecord Stamp(DeploymentRecord record) => record with
    {
        Host = Environment.MachineName,
        ProcessId = Environment.ProcessId,
        Timestamp = _time.GetUtcNow(),
        Reason = record.Reason is null ? null : Redact(record.Reason),
        DetailsJson = record.DetailsJson is null ? null : Redact(record.DetailsJson),
    };

    private string Redact(string? text) => redactor?.Redact(text) ?? SecretRedactor.RedactPatterns(text);

    private static void Bind(SqliteCommand command, DeploymentRecord record)
    {
        command.Parameters.AddWithValue("$id", record.Id);
        command.Parameters.AddWithValue("$name", record.Name);
        command.Parameters.AddWithValue("$namespace", record.Namespace);
        command.Parameters.AddWithValue("$context", record.Context ?? "");
        command.Parameters.AddWithValue("$strategy", record.Strategy);
        command.Parameters.AddWithValue("$image", Nullable(record.Image));
        command.Parameters.AddWithValue("$digest", Nullable(record.ImageDigest));
        command.Parameters.AddWithValue("$user", record.User);
        command.Parameters.AddWithValue("$started", Format(record.StartedAt));
        command.Parameters.AddWithValue("$ended", record.EndedAt is { } ended ? Format(ended) : DBNull.Value);
        command.Parameters.AddWithValue("$before", record.RevisionBefore is { } before ? before : DBNull.Value);
        command.Parameters.AddWithValue("$after", record.RevisionAfter is { } after ? after : DBNull.Value);
        command.Parameters.AddWithValue("$outcome", record.Outcome.ToString());
        command.Parameters.AddWithValue("$reason", Nullable(record.Reason));
        command.Parameters.AddWithValue("$details", Nullable(record.DetailsJson));
        command.Parameters.AddWithValue("$host", record.Host);
        command.Parameters.AddWithValue("$pid", record.ProcessId);
        command.Parameters.AddWithValue("$now", Format(record.Timestamp));
    }

    private static object Nullable(string? value) => value is null ? DBNull.Value : value;

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
