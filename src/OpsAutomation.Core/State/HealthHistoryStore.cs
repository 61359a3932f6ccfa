using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.State;

/// <summary>Health results kept over time, for trends and alerting.</summary>
public sealed class HealthHistoryStore
{
    private static readonly string[] InsertParameters =
        ["$run", "$name", "$kind", "$target", "$status", "$code", "$ms", "$attempts", "$first", "$errorKind", "$error", "$details", "$time",
         "$severity", "$owner", "$tags", "$next"];

    private readonly StateStore _store;

    public HealthHistoryStore(StateStore store) => _store = store;

    /// <summary>Appends <paramref name="results"/> in one transaction: all are kept or none.</summary>
    public async Task AppendAsync(IReadOnlyCollection<HealthCheckResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0) return;
        await _store.RunAsync("save health history", async connection =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO health_history (run_id, name, kind, target, status, status_code, response_time_ms, attempts,
                                            first_attempt_status, error_kind, error, details_json, timestamp_utc,
                                            severity, owner, tags, next_probe_at_utc)
                VALUES ($run, $name, $kind, $target, $status, $code, $ms, $attempts, $first, $errorKind, $error, $details, $time,
                        $severity, $owner, $tags, $next);
                """;
            var parameters = InsertParameters.ToDictionary(n => n, n => command.Parameters.Add(n, SqliteType.Text));
            foreach (var r in results)
            {
                parameters["$run"].Value = r.RunId;
                parameters["$name"].Value = r.Name;
                parameters["$kind"].Value = r.Kind.ToString();
                parameters["$target"].Value = r.Target;
                parameters["$status"].Value = r.Status.ToString();
                parameters["$code"].Value = (object?)r.StatusCode ?? DBNull.Value;
                parameters["$ms"].Value = r.ResponseTime.TotalMilliseconds;
                parameters["$attempts"].Value = r.Attempts;
                parameters["$first"].Value = r.FirstAttemptStatus.ToString();
                parameters["$errorKind"].Value = r.ErrorKind.ToString();
                parameters["$error"].Value = (object?)r.Error ?? DBNull.Value;
                parameters["$details"].Value = r.Details.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(r.Details);
                parameters["$time"].Value = r.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
                parameters["$severity"].Value = r.Severity.ToString();
                parameters["$owner"].Value = (object?)r.Owner ?? DBNull.Value;
                parameters["$tags"].Value = r.Tags.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(r.Tags);
                parameters["$next"].Value = r.NextProbeAt is { } next ? next.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : DBNull.Value;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static Dictionary<string, object?> ReadDetails(string json)
    {
        var raw = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? [];
        return raw.ToDictionary(p => p.Key, p => JsonValues.ToClr(p.Value), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Removes results older than <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        return await _store.RunAsync("prune health history", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM health_history WHERE timestamp_utc < $cutoff;";
            command.Parameters.AddWithValue("$cutoff", cutoff.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Distinct service names in the history, for completion and summaries.</summary>
    public Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken) =>
        _store.ReadStringsAsync("read health history", "SELECT DISTINCT name FROM health_history ORDER BY name;", cancellationToken);

    /// <summary>Results newest first, optionally of one service and since a time.</summary>
    public async Task<IReadOnlyList<HealthCheckResult>> ReadAsync(string? name, DateTimeOffset? since, int limit, CancellationToken cancellationToken)
    {
        return await _store.RunAsync("read health history", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT run_id, name, kind, target, status, status_code, response_time_ms, attempts,
                       first_attempt_status, error_kind, error, details_json, timestamp_utc, severity, owner, tags, next_probe_at_utc
                FROM health_history
                WHERE ($name IS NULL OR name = $name) AND ($since IS NULL OR timestamp_utc >= $since)
                ORDER BY timestamp_utc DESC, id DESC
                LIMIT $limit;
                """;
            command.Parameters.AddWithValue("$name", (object?)name ?? DBNull.Value);
            command.Parameters.AddWithValue("$since", since is { } s ? s.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : DBNull.Value);
            command.Parameters.AddWithValue("$limit", limit);
            var results = new List<HealthCheckResult>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                results.Add(new HealthCheckResult
                {
                    RunId = reader.GetString(0),
                    Name = reader.GetString(1),
                    Kind = Enum.Parse<HealthCheckKind>(reader.GetString(2)),
                    Target = reader.GetString(3),
                    Status = Enum.Parse<HealthStatus>(reader.GetString(4)),
                    StatusCode = reader.IsDBNull(5) ? null : reader.GetInt32(5),
                    ResponseTime = TimeSpan.FromMilliseconds(reader.GetDouble(6)),
                    Attempts = reader.GetInt32(7),
                    FirstAttemptStatus = Enum.Parse<HealthStatus>(reader.GetString(8)),
                    ErrorKind = Enum.Parse<HealthErrorKind>(reader.GetString(9)),
                    Error = reader.IsDBNull(10) ? null : reader.GetString(10),
                    Details = reader.IsDBNull(11) ? new Dictionary<string, object?>() : ReadDetails(reader.GetString(11)),
                    Timestamp = DateTimeOffset.Parse(reader.GetString(12), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    Severity = reader.IsDBNull(13) ? HealthSeverity.Warning : Enum.Parse<HealthSeverity>(reader.GetString(13)),
                    Owner = reader.IsDBNull(14) ? null : reader.GetString(14),
                    Tags = reader.IsDBNull(15) ? [] : JsonSerializer.Deserialize<string[]>(reader.GetString(15)) ?? [],
                    NextProbeAt = reader.IsDBNull(16) ? null : DateTimeOffset.Parse(reader.GetString(16), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                });
            }
            return results;
        }, cancellationToken).ConfigureAwait(false);
    }
}
