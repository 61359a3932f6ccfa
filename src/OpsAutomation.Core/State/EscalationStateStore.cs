using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OpsAutomation.Core.State;

/// <summary>Where an incident's escalation stands.</summary>
public enum EscalationPhase
{
    /// <summary>Climbing its policy's levels while nobody has taken the incident.</summary>
    Escalating,

    /// <summary>Stopped: the incident was acknowledged or mitigated; paging systems were told.</summary>
    Acknowledged,

    /// <summary>Over: every channel that was paged was sent the resolve.</summary>
    Resolved,
}

/// <summary>What a channel is owed (or was sent) for one step of an incident's escalation.</summary>
public enum EscalationDeliveryAction
{
    /// <summary>The page of the step: a firing alert, a message.</summary>
    Trigger,

    /// <summary>The incident was acknowledged (PagerDuty acknowledge).</summary>
    Acknowledge,

    /// <summary>The incident was resolved: PagerDuty resolve, Alertmanager endsAt, a resolved message.</summary>
    Resolve,

    /// <summary>No longer owed: a page that never went out before the incident was acknowledged or resolved.</summary>
    Dropped,
}

/// <summary>How far an incident has climbed its escalation policy.</summary>
/// <param name="Step">Levels reached over all rounds of the policy: 0 before the first, 1 at level 1, and on past the last level when the policy repeats.</param>
/// <param name="EscalatedAt">When <paramref name="Step"/> was reached; null at step 0.</param>
/// <param name="MarkerAt">The newest escalate marker of the timeline already acted on.</param>
/// <param name="Reopened">The incident's reopen count this escalation belongs to: a reopened incident escalates afresh.</param>
public sealed record EscalationRecord(string IncidentId, string Policy, EscalationPhase Phase, int Step, DateTimeOffset? EscalatedAt, DateTimeOffset? MarkerAt,
    int Reopened);

/// <summary>One step's message to one channel of an incident, and whether the channel took it.</summary>
/// <param name="Channel">The channel's key (no secret in it).</param>
/// <param name="ChannelName">The channel as people read it.</param>
/// <param name="TriggeredAt">When the channel took this step's page: from then on it is owed the acknowledge and the resolve.</param>
/// <param name="UpdatedAt">When it was last owed or tried.</param>
public sealed record EscalationDelivery(string IncidentId, int Step, string Channel, string ChannelName, EscalationDeliveryAction Action, string NotificationJson,
    DateTimeOffset? TriggeredAt, DateTimeOffset? DeliveredAt, int Attempts, string? LastError, DateTimeOffset UpdatedAt)
{
    /// <summary>Not yet taken by the channel, and still to be sent.</summary>
    public bool Owed => DeliveredAt is null && Action != EscalationDeliveryAction.Dropped;
}

/// <summary>A message the next transition owes a channel at a step.</summary>
public sealed record OwedDelivery(int Step, string Channel, string ChannelName, EscalationDeliveryAction Action, string NotificationJson);

/// <summary>
/// The escalation state of incidents: one row per incident (its step and phase) and one per step and
/// channel (what it was sent and whether it took it). A run changes an incident's escalation only
/// by <see cref="TransitionAsync"/>, a compare-and-set in one write transaction that also records
/// what the change owes each channel, before anything is sent: of two runs at once only one pages,
/// and a run killed mid-send leaves the messages owed for the next.
/// </summary>
public sealed class EscalationStateStore(StateStore store)
{
    private const string DeliveryColumns =
        "incident_id, step, channel, channel_name, action, notification_json, triggered_at_utc, delivered_at_utc, attempts, last_error, updated_at_utc";

    public Task<EscalationRecord?> ReadAsync(string incidentId, CancellationToken cancellationToken) =>
        store.RunAsync("read the escalation state", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT incident_id, policy, phase, step, escalated_at_utc, marker_at_utc, reopened
                FROM escalation_state WHERE incident_id = $id;
                """;
            command.Parameters.AddWithValue("$id", incidentId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            return new EscalationRecord(reader.GetString(0), reader.GetString(1), Enum.Parse<EscalationPhase>(reader.GetString(2)), reader.GetInt32(3),
                ParseOrNull(reader, 4), ParseOrNull(reader, 5), reader.GetInt32(6));
        }, cancellationToken);

    /// <summary>The incidents whose escalation is not over: not yet resolved everywhere, or with a message still owed.</summary>
    public Task<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken) =>
        store.ReadStringsAsync("read the escalation state", """
            SELECT incident_id FROM escalation_state WHERE phase <> 'Resolved'
            UNION SELECT incident_id FROM escalation_deliveries WHERE delivered_at_utc IS NULL AND action <> 'Dropped'
            ORDER BY 1;
            """, cancellationToken);

    /// <summary>Every step's message to every channel of the incident, by step then channel.</summary>
    public Task<IReadOnlyList<EscalationDelivery>> ReadDeliveriesAsync(string incidentId, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<EscalationDelivery>>("read the escalation deliveries", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {DeliveryColumns} FROM escalation_deliveries WHERE incident_id = $id ORDER BY step, channel;";
            command.Parameters.AddWithValue("$id", incidentId);
            var rows = new List<EscalationDelivery>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new EscalationDelivery(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                    Enum.Parse<EscalationDeliveryAction>(reader.GetString(4)), reader.GetString(5), ParseOrNull(reader, 6), ParseOrNull(reader, 7),
                    reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9), ParseOrNull(reader, 10)!.Value));
            }
            return rows;
        }, cancellationToken);

    /// <summary>
    /// Moves the incident's escalation from <paramref name="expected"/> (null: none yet) to <paramref name="next"/>,
    /// owing <paramref name="owe"/> and dropping what is still owed at <paramref name="drop"/>, all or nothing.
    /// False when another run moved it first (nothing is written then).
    /// </summary>
    /// <param name="restart">Forget every delivery of the incident first: it reopened and escalates afresh.</param>
    public Task<bool> TransitionAsync(EscalationRecord? expected, EscalationRecord next, IReadOnlyList<OwedDelivery> owe,
        IReadOnlyList<(int Step, string Channel)> drop, bool restart, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        return store.RunAsync("save the escalation state", async connection =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = expected is null
                    ? """
                      INSERT INTO escalation_state (incident_id, policy, phase, step, escalated_at_utc, marker_at_utc, reopened, updated_at_utc)
                      VALUES ($id, $policy, $phase, $step, $escalated, $marker, $reopened, $now) ON CONFLICT (incident_id) DO NOTHING;
                      """
                    : """
                      UPDATE escalation_state SET policy = $policy, phase = $phase, step = $step, escalated_at_utc = $escalated, marker_at_utc = $marker,
                          reopened = $reopened, updated_at_utc = $now
                      WHERE incident_id = $id AND phase = $oldPhase AND step = $oldStep AND reopened = $oldReopened
                        AND coalesce(marker_at_utc, '') = $oldMarker;
                      """;
                command.Parameters.AddWithValue("$id", next.IncidentId);
                command.Parameters.AddWithValue("$policy", next.Policy);
                command.Parameters.AddWithValue("$phase", next.Phase.ToString());
                command.Parameters.AddWithValue("$step", next.Step);
                command.Parameters.AddWithValue("$escalated", FormatOrNull(next.EscalatedAt));
                command.Parameters.AddWithValue("$marker", FormatOrNull(next.MarkerAt));
                command.Parameters.AddWithValue("$reopened", next.Reopened);
                command.Parameters.AddWithValue("$now", Format(now));
                if (expected is not null)
                {
                    command.Parameters.AddWithValue("$oldPhase", expected.Phase.ToString());
                    command.Parameters.AddWithValue("$oldStep", expected.Step);
                    command.Parameters.AddWithValue("$oldReopened", expected.Reopened);
                    command.Parameters.AddWithValue("$oldMarker", expected.MarkerAt is { } marker ? Format(marker) : "");
                }
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0) return false;
            }
            if (restart)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "DELETE FROM escalation_deliveries WHERE incident_id = $id;";
                command.Parameters.AddWithValue("$id", next.IncidentId);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var (step, channel) in drop)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    UPDATE escalation_deliveries SET action = 'Dropped', updated_at_utc = $now
                    WHERE incident_id = $id AND step = $step AND channel = $channel AND delivered_at_utc IS NULL;
                    """;
                command.Parameters.AddWithValue("$id", next.IncidentId);
                command.Parameters.AddWithValue("$step", step);
                command.Parameters.AddWithValue("$channel", channel);
                command.Parameters.AddWithValue("$now", Format(now));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var owed in owe)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                // A follow-up (acknowledge, resolve) keeps the time the channel took the page.
                command.CommandText = """
                    INSERT INTO escalation_deliveries (incident_id, step, channel, channel_name, action, notification_json, triggered_at_utc,
                        delivered_at_utc, attempts, last_error, updated_at_utc)
                    VALUES ($id, $step, $channel, $name, $action, $json, NULL, NULL, 0, NULL, $now)
                    ON CONFLICT (incident_id, step, channel) DO UPDATE SET channel_name = $name, action = $action, notification_json = $json,
                        delivered_at_utc = NULL, attempts = 0, last_error = NULL, updated_at_utc = $now;
                    """;
                command.Parameters.AddWithValue("$id", next.IncidentId);
                command.Parameters.AddWithValue("$step", owed.Step);
                command.Parameters.AddWithValue("$channel", owed.Channel);
                command.Parameters.AddWithValue("$name", owed.ChannelName);
                command.Parameters.AddWithValue("$action", owed.Action.ToString());
                command.Parameters.AddWithValue("$json", owed.NotificationJson);
                command.Parameters.AddWithValue("$now", Format(now));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Records one attempt at what the step owes the channel: taken (a trigger taken marks the channel
    /// as paged), or still owed with its error. Nothing changes when the row no longer owes <paramref name="action"/>.
    /// </summary>
    /// <param name="counted">The attempt was already counted by <see cref="ClaimAsync"/>.</param>
    public Task RecordAsync(string incidentId, int step, string channel, EscalationDeliveryAction action, bool delivered, string? error, DateTimeOffset now,
        CancellationToken cancellationToken, bool counted = false) =>
        store.RunAsync("save the escalation deliveries", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE escalation_deliveries SET delivered_at_utc = CASE WHEN $delivered THEN $now END,
                    attempts = attempts + CASE WHEN $counted THEN 0 ELSE 1 END, last_error = $error,
                    triggered_at_utc = CASE WHEN $delivered AND action = 'Trigger' AND triggered_at_utc IS NULL THEN $now ELSE triggered_at_utc END,
                    updated_at_utc = $now
                WHERE incident_id = $id AND step = $step AND channel = $channel AND action = $action AND delivered_at_utc IS NULL;
                """;
            command.Parameters.AddWithValue("$id", incidentId);
            command.Parameters.AddWithValue("$step", step);
            command.Parameters.AddWithValue("$channel", channel);
            command.Parameters.AddWithValue("$action", action.ToString());
            command.Parameters.AddWithValue("$delivered", delivered);
            command.Parameters.AddWithValue("$counted", counted);
            command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", Format(now));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Takes the next attempt at a message an earlier run left owed, by compare-and-set on its attempt
    /// count, and only when nobody touched it after <paramref name="idleSince"/> (a run still sending it
    /// touched it later): of two runs that find it owed at once only one sends it again. False when another run has it.
    /// </summary>
    public Task<bool> ClaimAsync(string incidentId, int step, string channel, EscalationDeliveryAction action, int attempts, DateTimeOffset idleSince,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        store.RunAsync("save the escalation deliveries", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE escalation_deliveries SET attempts = attempts + 1, updated_at_utc = $now
                WHERE incident_id = $id AND step = $step AND channel = $channel AND action = $action AND delivered_at_utc IS NULL AND attempts = $attempts
                  AND updated_at_utc <= $idleSince;
                """;
            command.Parameters.AddWithValue("$id", incidentId);
            command.Parameters.AddWithValue("$step", step);
            command.Parameters.AddWithValue("$channel", channel);
            command.Parameters.AddWithValue("$action", action.ToString());
            command.Parameters.AddWithValue("$attempts", attempts);
            command.Parameters.AddWithValue("$idleSince", Format(idleSince));
            command.Parameters.AddWithValue("$now", Format(now));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <summary>Records how the firing's re-send to a channel that must hear it every run (Alertmanager) went: the error, or none.</summary>
    public Task RecordRepeatAsync(string incidentId, int step, string channel, string? error, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.RunAsync("save the escalation deliveries", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE escalation_deliveries SET last_error = $error, updated_at_utc = $now
                WHERE incident_id = $id AND step = $step AND channel = $channel;
                """;
            command.Parameters.AddWithValue("$id", incidentId);
            command.Parameters.AddWithValue("$step", step);
            command.Parameters.AddWithValue("$channel", channel);
            command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", Format(now));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static object FormatOrNull(DateTimeOffset? time) => time is { } t ? Format(t) : DBNull.Value;

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseOrNull(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
