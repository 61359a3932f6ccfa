using System.Globalization;
using System.Text.Json;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.State;

/// <summary>
/// The alert series of every alerting rule, keyed by file, group, rule and label set, so a
/// scheduled Invoke-PrometheusRule continues the pending and firing clocks where the last run
/// left them.
/// </summary>
public sealed class RuleAlertStateStore(StateStore store)
{
    public async Task<IReadOnlyList<AlertSeries>> LoadAsync(string file, string group, string rule, CancellationToken cancellationToken)
    {
        return await store.RunAsync("read the rule alert state", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT labels_json, state, value, annotations_json, active_at_utc, fired_at_utc, resolved_at_utc, keep_firing_since_utc, last_sent_utc
                FROM rule_alert_state WHERE file = $file AND rule_group = $group AND rule = $rule;
                """;
            command.Parameters.AddWithValue("$file", file);
            command.Parameters.AddWithValue("$group", group);
            command.Parameters.AddWithValue("$rule", rule);
            var series = new List<AlertSeries>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : Parse(reader.GetString(i));
                series.Add(new AlertSeries(
                    // Ordinal, as the state machine builds label sets: the key of a loaded series must equal a new one's.
                    new SortedDictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(0))!, StringComparer.Ordinal),
                    Enum.Parse<RuleAlertState>(reader.GetString(1)), reader.GetDouble(2),
                    JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3))!,
                    Parse(reader.GetString(4)), Time(5), Time(6), Time(7), Time(8)));
            }
            return series;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the rule's series with <paramref name="series"/> in one transaction.</summary>
    public async Task SaveAsync(string file, string group, string rule, IReadOnlyList<AlertSeries> series, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await store.RunAsync("save the rule alert state", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var delete = connection.CreateCommand())
            {
                delete.CommandText = "DELETE FROM rule_alert_state WHERE file = $file AND rule_group = $group AND rule = $rule;";
                delete.Parameters.AddWithValue("$file", file);
                delete.Parameters.AddWithValue("$group", group);
                delete.Parameters.AddWithValue("$rule", rule);
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var s in series)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = """
                    INSERT INTO rule_alert_state (file, rule_group, rule, labels_json, state, value, annotations_json, active_at_utc, fired_at_utc,
                                                  resolved_at_utc, keep_firing_since_utc, last_sent_utc, updated_at_utc)
                    VALUES ($file, $group, $rule, $labels, $state, $value, $annotations, $active, $fired, $resolved, $keep, $sent, $now);
                    """;
                insert.Parameters.AddWithValue("$file", file);
                insert.Parameters.AddWithValue("$group", group);
                insert.Parameters.AddWithValue("$rule", rule);
                insert.Parameters.AddWithValue("$labels", JsonSerializer.Serialize(s.Labels));
                insert.Parameters.AddWithValue("$state", s.State.ToString());
                insert.Parameters.AddWithValue("$value", s.Value);
                insert.Parameters.AddWithValue("$annotations", JsonSerializer.Serialize(s.Annotations));
                insert.Parameters.AddWithValue("$active", Format(s.ActiveAt));
                insert.Parameters.AddWithValue("$fired", s.FiredAt is { } f ? Format(f) : DBNull.Value);
                insert.Parameters.AddWithValue("$resolved", s.ResolvedAt is { } r ? Format(r) : DBNull.Value);
                insert.Parameters.AddWithValue("$keep", s.KeepFiringSince is { } k ? Format(k) : DBNull.Value);
                insert.Parameters.AddWithValue("$sent", s.LastSentAt is { } l ? Format(l) : DBNull.Value);
                insert.Parameters.AddWithValue("$now", Format(now));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
