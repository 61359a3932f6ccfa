using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OpsAutomation.Core.State;

/// <summary>One sample to keep: its full label set (with __name__) and value.</summary>
public sealed record HistorySample(IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// The module's own metric samples over time, so that rules evaluated in-process by scheduled
/// runs see the range vectors (rate, *_over_time) and the pending clocks a Prometheus would.
/// A label set is stored once; its points live in a table keyed by (series, time).
/// </summary>
public sealed class MetricHistoryStore(StateStore store)
{
    /// <summary>Keeps <paramref name="samples"/> at <paramref name="time"/> in one transaction: all or none.</summary>
    public async Task AppendAsync(IReadOnlyCollection<HistorySample> samples, DateTimeOffset time, CancellationToken cancellationToken)
    {
        if (samples.Count == 0) return;
        await store.RunAsync("save metric history", async connection =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var series = connection.CreateCommand();
            series.Transaction = transaction;
            // The no-op update makes RETURNING give the id of an existing series too.
            series.CommandText = "INSERT INTO metric_series (labels_json) VALUES ($labels) ON CONFLICT (labels_json) DO UPDATE SET labels_json = excluded.labels_json RETURNING id;";
            var labels = series.Parameters.Add("$labels", SqliteType.Text);
            await using var point = connection.CreateCommand();
            point.Transaction = transaction;
            point.CommandText = "INSERT OR REPLACE INTO metric_samples (series_id, timestamp_ms, value) VALUES ($series, $time, $value);";
            var seriesId = point.Parameters.Add("$series", SqliteType.Integer);
            point.Parameters.AddWithValue("$time", time.ToUnixTimeMilliseconds());
            var value = point.Parameters.Add("$value", SqliteType.Real);
            foreach (var sample in samples)
            {
                labels.Value = LabelsJson(sample.Labels);
                seriesId.Value = (long)(await series.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                // SQLite stores NaN as NULL; a NaN gauge is kept as the text the reader turns back into NaN.
                value.Value = double.IsNaN(sample.Value) ? "NaN" : sample.Value;
                await point.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every point kept in [<paramref name="from"/>, <paramref name="to"/>], by series and then time.</summary>
    public IAsyncEnumerable<(IReadOnlyDictionary<string, string> Labels, long TimestampMs, double Value)> ReadAsync(DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken) =>
        store.StreamAsync("read metric history", connection => ReadAsync(connection, from, to, cancellationToken), cancellationToken);

    private static async IAsyncEnumerable<(IReadOnlyDictionary<string, string> Labels, long TimestampMs, double Value)> ReadAsync(SqliteConnection connection,
        DateTimeOffset from, DateTimeOffset to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.id, s.labels_json, p.timestamp_ms, p.value
            FROM metric_samples p JOIN metric_series s ON s.id = p.series_id
            WHERE p.timestamp_ms BETWEEN $from AND $to
            ORDER BY p.series_id, p.timestamp_ms;
            """;
        command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        long currentId = -1;
        IReadOnlyDictionary<string, string> current = new Dictionary<string, string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetInt64(0);
            if (id != currentId)
            {
                currentId = id;
                current = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(1))!;
            }
            var value = reader.GetFieldType(3) == typeof(string) ? double.NaN : reader.GetDouble(3);
            yield return (current, reader.GetInt64(2), value);
        }
    }

    /// <summary>Removes points older than <paramref name="before"/> and the series left without any.</summary>
    public async Task PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await store.RunAsync("prune metric history", async connection =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM metric_samples WHERE timestamp_ms < $before;
                DELETE FROM metric_series WHERE NOT EXISTS (SELECT 1 FROM metric_samples p WHERE p.series_id = metric_series.id);
                """;
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    // Sorted by name, so one label set always has one text and one row.
    private static string LabelsJson(IReadOnlyDictionary<string, string> labels) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(labels.ToDictionary(), StringComparer.Ordinal));
}
