using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OpsAutomation.Core.State;

/// <summary>The state of one persisted circuit.</summary>
public enum CircuitState
{
    /// <summary>Calls go through; failures are counted.</summary>
    Closed,

    /// <summary>Calls are skipped until the cool-down passes.</summary>
    Open,

    /// <summary>One run holds the trial call; others skip until it reports or its claim lapses.</summary>
    HalfOpen,
}

/// <summary>May the caller go ahead, and if not, until when is it blocked.</summary>
public sealed record CircuitDecision(bool Allowed, bool IsTrial, DateTimeOffset? BlockedUntil, int ConsecutiveFailures);

/// <summary>
/// Circuit breakers that outlive a process: each key's state lives in the state store, so runs
/// started every minute by a scheduler share it, and two overlapping runs agree. Every change is
/// one conditional SQL statement, so the trial call after a cool-down is claimed by exactly one run.
/// </summary>
public sealed class CircuitBreakerStore
{
    private readonly StateStore _store;

    public CircuitBreakerStore(StateStore store) => _store = store;

    /// <summary>Decides whether <paramref name="key"/> may be called now; claims the trial call when the cool-down has passed.</summary>
    /// <param name="trialLease">How long a claimed trial stays ours; if the claiming run dies, another run may try after it.</param>
    public async Task<CircuitDecision> EnterAsync(string key, string runId, DateTimeOffset now, TimeSpan trialLease, CancellationToken cancellationToken)
    {
        return await _store.RunAsync("read the circuit state", async connection =>
        {
            var row = await ReadAsync(connection, key, cancellationToken).ConfigureAwait(false);
            if (row is null || row.State == CircuitState.Closed) return new CircuitDecision(true, false, null, row?.Failures ?? 0);

            var blockedUntil = row.State == CircuitState.Open ? row.NextProbeAt : row.TrialUntil;
            if (blockedUntil is { } until && until > now) return new CircuitDecision(false, false, until, row.Failures);

            await using var claim = connection.CreateCommand();
            claim.CommandText = """
                UPDATE circuit_state SET state = 'HalfOpen', trial_run_id = $run, trial_until_utc = $until, updated_at_utc = $now
                WHERE key = $key AND ((state = 'Open' AND next_probe_at_utc <= $now) OR (state = 'HalfOpen' AND trial_until_utc <= $now));
                """;
            claim.Parameters.AddWithValue("$key", key);
            claim.Parameters.AddWithValue("$run", runId);
            claim.Parameters.AddWithValue("$now", Format(now));
            claim.Parameters.AddWithValue("$until", Format(now + trialLease));
            if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                return new CircuitDecision(true, true, null, row.Failures);

            // Another run claimed the trial between our read and our update.
            var current = await ReadAsync(connection, key, cancellationToken).ConfigureAwait(false);
            return new CircuitDecision(false, false, current?.TrialUntil ?? current?.NextProbeAt ?? now + trialLease, current?.Failures ?? row.Failures);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A success closes the circuit and clears its failures.</summary>
    public async Task RecordSuccessAsync(string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _store.RunAsync("save the circuit state", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE circuit_state SET state = 'Closed', consecutive_failures = 0, opened_at_utc = NULL, next_probe_at_utc = NULL,
                                         trial_run_id = NULL, trial_until_utc = NULL, updated_at_utc = $now
                WHERE key = $key AND (state <> 'Closed' OR consecutive_failures <> 0);
                """;
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$now", Format(now));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts a failure; the circuit opens when the count reaches <paramref name="threshold"/>,
    /// or at once when the failure was the trial call. Returns the state after the failure.
    /// </summary>
    public async Task<(CircuitState State, int Failures, DateTimeOffset? NextProbeAt)> RecordFailureAsync(string key, int threshold, TimeSpan coolDown,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await _store.RunAsync("save the circuit state", async connection =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO circuit_state (key, state, consecutive_failures, updated_at_utc) VALUES ($key, 'Closed', 1, $now)
                ON CONFLICT (key) DO UPDATE SET consecutive_failures = consecutive_failures + 1, updated_at_utc = $now;
                UPDATE circuit_state SET state = 'Open', opened_at_utc = CASE WHEN state = 'HalfOpen' THEN COALESCE(opened_at_utc, $now) ELSE $now END,
                                         next_probe_at_utc = $next, trial_run_id = NULL, trial_until_utc = NULL
                WHERE key = $key AND (state = 'HalfOpen' OR consecutive_failures >= $threshold);
                """;
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$now", Format(now));
            command.Parameters.AddWithValue("$next", Format(now + coolDown));
            command.Parameters.AddWithValue("$threshold", threshold);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            var row = await ReadAsync(connection, key, cancellationToken, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (row!.State, row.Failures, row.State == CircuitState.Open ? row.NextProbeAt : null);
        }, cancellationToken).ConfigureAwait(false);
    }

    private sealed record Row(CircuitState State, int Failures, DateTimeOffset? NextProbeAt, DateTimeOffset? TrialUntil);

    private static async Task<Row?> ReadAsync(SqliteConnection connection, string key, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT state, consecutive_failures, next_probe_at_utc, trial_until_utc FROM circuit_state WHERE key = $key;";
        command.Parameters.AddWithValue("$key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new Row(Enum.Parse<CircuitState>(reader.GetString(0)), reader.GetInt32(1),
            reader.IsDBNull(2) ? null : Parse(reader.GetString(2)), reader.IsDBNull(3) ? null : Parse(reader.GetString(3)));
    }

    // ISO 8601 in UTC with a fixed width, so text comparison in SQL orders like time.
    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
