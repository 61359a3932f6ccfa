using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OpsAutomation.Core.State;

/// <summary>Whether a rate-limited action may run now, how often it ran in the window, and when it may run next.</summary>
/// <param name="Allowed">True when it may run (and, for a claim, the run is counted).</param>
/// <param name="Count">Runs in the window before this one.</param>
/// <param name="NextAllowedAt">When the oldest run in the window leaves it; null when allowed.</param>
public sealed record RateLimitDecision(bool Allowed, int Count, DateTimeOffset? NextAllowedAt);

/// <summary>
/// The runs of runbook actions per action and target (a key such as
/// <c>RestartDeployment|deployment shop/web</c>), kept in the state store so that a rate limit holds
/// across runs and processes: a claim counts the window and records the run in one write
/// transaction, so two scheduled runs at once cannot both take the last slot.
/// </summary>
public sealed class RunbookActionStore(StateStore store)
{
    /// <summary>Rows older than this are removed as new ones are written.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    /// <summary>How the window stands, without recording anything (for -WhatIf and before asking a person).</summary>
    public Task<RateLimitDecision> PeekAsync(string key, int limit, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.RunAsync("read the runbook action history", connection => DecideAsync(connection, null, key, limit, window, now, cancellationToken), cancellationToken);

    /// <summary>Counts the window and, when below <paramref name="limit"/>, records this run; one transaction.</summary>
    public Task<RateLimitDecision> TryClaimAsync(string key, int limit, TimeSpan window, DateTimeOffset now, string incidentId, string runbook, string runId,
        CancellationToken cancellationToken) =>
        store.RunAsync("record a runbook action", async connection =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var decision = await DecideAsync(connection, transaction, key, limit, window, now, cancellationToken).ConfigureAwait(false);
            if (decision.Allowed)
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO runbook_actions (key, at_utc, incident_id, runbook, run_id) VALUES ($key, $at, $incident, $runbook, $run);
                    DELETE FROM runbook_actions WHERE at_utc < $expired;
                    """;
                insert.Parameters.AddWithValue("$key", key);
                insert.Parameters.AddWithValue("$at", Format(now));
                insert.Parameters.AddWithValue("$incident", incidentId);
                insert.Parameters.AddWithValue("$runbook", runbook);
                insert.Parameters.AddWithValue("$run", runId);
                insert.Parameters.AddWithValue("$expired", Format(now - Retention));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return decision;
        }, cancellationToken);

    private static async Task<RateLimitDecision> DecideAsync(SqliteConnection connection, SqliteTransaction? transaction, string key, int limit, TimeSpan window,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT at_utc FROM runbook_actions WHERE key = $key AND at_utc > $since ORDER BY at_utc;";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$since", Format(now - window));
        var times = new List<DateTimeOffset>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) times.Add(Parse(reader.GetString(0)));
        }
        if (times.Count < limit) return new RateLimitDecision(true, times.Count, null);
        // The run that frees a slot is the one limit places from the end.
        return new RateLimitDecision(false, times.Count, times[times.Count - limit] + window);
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
