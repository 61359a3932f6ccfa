using System.Globalization;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.State;

/// <summary>The last notification of an alert meant for one channel, and whether the channel took it.</summary>
public sealed record StoredDelivery(string DedupKey, string Channel, AlertState State, string NotificationJson, DateTimeOffset? DeliveredAt, int Attempts,
    string? LastError)
{
    public bool Owed => DeliveredAt is null;
}

/// <summary>
/// Delivery state per alert and channel: a notification is recorded as owed before it is sent
/// and as delivered when the channel takes it, so a channel that failed (or a run that died
/// mid-send) is retried by a later run.
/// </summary>
public sealed class AlertDeliveryStore(StateStore store)
{
    public Task<IReadOnlyList<StoredDelivery>> ReadAsync(string dedupKey, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<StoredDelivery>>("read the alert deliveries", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT dedup_key, channel, state, notification_json, delivered_at_utc, attempts, last_error
                FROM alert_deliveries WHERE dedup_key = $key ORDER BY channel;
                """;
            command.Parameters.AddWithValue("$key", dedupKey);
            var rows = new List<StoredDelivery>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new StoredDelivery(reader.GetString(0), reader.GetString(1), Enum.Parse<AlertState>(reader.GetString(2)), reader.GetString(3),
                    reader.IsDBNull(4) ? null : Parse(reader.GetString(4)), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
            return rows;
        }, cancellationToken);

    /// <summary>Records <paramref name="notificationJson"/> as owed to each of <paramref name="channels"/>, replacing what each had.</summary>
    public Task OweAsync(string dedupKey, IReadOnlyCollection<string> channels, AlertState state, string notificationJson, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        store.RunAsync("save the alert deliveries", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var channel in channels)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO alert_deliveries (dedup_key, channel, state, notification_json, delivered_at_utc, attempts, last_error, updated_at_utc)
                    VALUES ($key, $channel, $state, $json, NULL, 0, NULL, $now)
                    ON CONFLICT (dedup_key, channel) DO UPDATE SET state = $state, notification_json = $json, delivered_at_utc = NULL,
                        attempts = 0, last_error = NULL, updated_at_utc = $now;
                    """;
                command.Parameters.AddWithValue("$key", dedupKey);
                command.Parameters.AddWithValue("$channel", channel);
                command.Parameters.AddWithValue("$state", state.ToString());
                command.Parameters.AddWithValue("$json", notificationJson);
                command.Parameters.AddWithValue("$now", Format(now));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Records one attempt: delivered, or still owed with its error.</summary>
    public Task RecordAsync(string dedupKey, string channel, bool delivered, string? error, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.RunAsync("save the alert deliveries", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE alert_deliveries SET delivered_at_utc = CASE WHEN $delivered THEN $now END, attempts = attempts + 1,
                    last_error = $error, updated_at_utc = $now
                WHERE dedup_key = $key AND channel = $channel;
                """;
            command.Parameters.AddWithValue("$key", dedupKey);
            command.Parameters.AddWithValue("$channel", channel);
            command.Parameters.AddWithValue("$delivered", delivered);
            command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", Format(now));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Forgets what <paramref name="channel"/> was owed of the alert: a firing it never took needs no resolve.</summary>
    public Task ForgetAsync(string dedupKey, string channel, CancellationToken cancellationToken) =>
        store.RunAsync("save the alert deliveries", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM alert_deliveries WHERE dedup_key = $key AND channel = $channel;";
            command.Parameters.AddWithValue("$key", dedupKey);
            command.Parameters.AddWithValue("$channel", channel);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
