using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.State;

/// <summary>
/// Pipeline runs as they progress and end, so a later Get-DataPipelineRun lists them and
/// -Resume finds the run a kill or failure left unfinished.
/// </summary>
public sealed class PipelineRunStore(StateStore store)
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Inserts or replaces the run's row; <paramref name="processId"/> tells a live run from a killed one.</summary>
    public async Task SaveAsync(PipelineRun run, int processId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await store.RunAsync("save the pipeline run", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO pipeline_runs (run_id, pipeline, status, started_at_utc, ended_at_utc, duration_ms, resumes, host, process_id, run_json, updated_at_utc)
                VALUES ($run, $pipeline, $status, $started, $ended, $duration, $resumes, $host, $pid, $json, $now)
                ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, ended_at_utc = excluded.ended_at_utc, duration_ms = excluded.duration_ms,
                    resumes = excluded.resumes, host = excluded.host, process_id = excluded.process_id, run_json = excluded.run_json, updated_at_utc = excluded.updated_at_utc;
                """;
            command.Parameters.AddWithValue("$run", run.RunId);
            command.Parameters.AddWithValue("$pipeline", run.Pipeline);
            command.Parameters.AddWithValue("$status", run.Status.ToString());
            command.Parameters.AddWithValue("$started", Format(run.StartedAt));
            command.Parameters.AddWithValue("$ended", run.EndedAt is { } ended ? Format(ended) : DBNull.Value);
            command.Parameters.AddWithValue("$duration", run.Duration.TotalMilliseconds);
            command.Parameters.AddWithValue("$resumes", run.Resumes);
            command.Parameters.AddWithValue("$host", Environment.MachineName);
            command.Parameters.AddWithValue("$pid", processId);
            command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(run, Json));
            command.Parameters.AddWithValue("$now", Format(now));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The names of the pipelines that have runs, in name order.</summary>
    public Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken) =>
        store.ReadStringsAsync("read pipeline runs", "SELECT DISTINCT pipeline FROM pipeline_runs ORDER BY pipeline;", cancellationToken);

    /// <summary>Runs newest first; <paramref name="pipeline"/> and <paramref name="runId"/> narrow them when given.</summary>
    public IAsyncEnumerable<PipelineRun> ListAsync(string? pipeline, string? runId, int limit, CancellationToken cancellationToken) =>
        store.StreamAsync("read pipeline runs", connection => ListAsync(connection, pipeline, runId, limit, cancellationToken), cancellationToken);

    private static async IAsyncEnumerable<PipelineRun> ListAsync(SqliteConnection connection, string? pipeline, string? runId, int limit,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT run_json FROM pipeline_runs
            WHERE ($pipeline IS NULL OR pipeline = $pipeline) AND ($run IS NULL OR run_id = $run)
            ORDER BY started_at_utc DESC, run_id LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$pipeline", (object?)pipeline ?? DBNull.Value);
        command.Parameters.AddWithValue("$run", (object?)runId ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            yield return JsonSerializer.Deserialize<PipelineRun>(reader.GetString(0), Json)!;
    }

    /// <summary>The newest run of <paramref name="pipeline"/> that did not end well (Running, Failed or Cancelled), if that is its newest run.</summary>
    public async Task<(PipelineRun Run, string Host, int ProcessId)?> FindUnfinishedAsync(string pipeline, CancellationToken cancellationToken)
    {
        return await store.RunAsync<(PipelineRun Run, string Host, int ProcessId)?>("read pipeline runs", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT run_json, host, process_id, status FROM pipeline_runs WHERE pipeline = $pipeline ORDER BY started_at_utc DESC, run_id LIMIT 1;";
            command.Parameters.AddWithValue("$pipeline", pipeline);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            var status = Enum.Parse<PipelineRunStatus>(reader.GetString(3));
            if (status is PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections) return null;
            return (JsonSerializer.Deserialize<PipelineRun>(reader.GetString(0), Json)!, reader.GetString(1), reader.GetInt32(2));
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
