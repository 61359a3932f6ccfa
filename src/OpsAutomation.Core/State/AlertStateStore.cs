using System.Globalization;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.State;

/// <summary>The last known state of one service's alert.</summary>
public sealed record StoredAlert(string Name, string DedupKey, AlertState State, HealthSeverity Severity, string? Reason, DateTimeOffset? StartsAt,
    DateTimeOffset? LastSent);

/// <summary>
/// Alert state per service, so a scheduled run knows what the last one notified. A transition is
/// a compare-and-set on the stored state: of two overlapping runs, one makes it and notifies.
/// </summary>
public sealed class AlertStateStore
{
    private readonly StateStore _store;

    public AlertStateStore(StateStore store) => _store = store;

    public async Task<StoredAlert?> GetAsync(string name, CancellationToken cancellationToken)
    {
        return await _store.RunAsync<StoredAlert?>("read the alert state", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, dedup_key, state, severity, reason, started_at_utc, last_sent_utc FROM health_alert_state WHERE name = $name;";
            command.Parameters.AddWithValue("$name", name);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            return new StoredAlert(reader.GetString(0), reader.GetString(1), Enum.Parse<AlertState>(reader.GetString(2)), Enum.Parse<HealthSeverity>(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : Parse(reader.GetString(5)), reader.IsDBNull(6) ? null : Parse(reader.GetString(6)));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="next"/> only if the stored state is still <paramref name="expected"/> (null: no row yet).</summary>
    public async Task<bool> TryTransitionAsync(AlertState? expected, StoredAlert next, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await _store.RunAsync("save the alert state", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = expected is null
                ? """
                  INSERT INTO health_alert_state (name, dedup_key, state, severity, reason, started_at_utc, last_sent_utc, updated_at_utc)
                  VALUES ($name, $key, $state, $severity, $reason, $starts, $sent, $now) ON CONFLICT (name) DO NOTHING;
                  """
                : """
                  UPDATE health_alert_state SET dedup_key = $key, state = $state, severity = $severity, reason = $reason,
                         started_at_utc = $starts, last_sent_utc = $sent, updated_at_utc = $now
                  WHERE name = $name AND state = $expected;
                  """;
            command.Parameters.AddWithValue("$name", next.Name);
            command.Parameters.AddWithValue("$key", next.DedupKey);
            command.Parameters.AddWithValue("$state", next.State.ToString());
            command.Parameters.AddWithValue("$severity", next.Severity.ToString());
            command.Parameters.AddWithValue("$reason", (object?)next.Reason ?? DBNull.Value);
            command.Parameters.AddWithValue("$starts", next.StartsAt is { } s ? Format(s) : DBNull.Value);
            command.Parameters.AddWithValue("$sent", next.LastSent is { } l ? Format(l) : DBNull.Value);
            command.Parameters.AddWithValue("$now", Format(now));
            command.Parameters.AddWithValue("$expected", expected?.ToString() ?? "");
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
