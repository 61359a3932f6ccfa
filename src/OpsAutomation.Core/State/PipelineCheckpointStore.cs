using System.Globalization;

namespace OpsAutomation.Core.State;

/// <summary>A step's committed progress: the last source position loaded and, for a file sink, the length of its file at that point.</summary>
public sealed record PipelineCheckpoint(long Position, long? SinkOffset);

/// <summary>
/// Checkpoints of sinks that have no database of their own to commit them in (files). A file
/// sink syncs its data to disk before it saves the checkpoint, and cuts the file back to the
/// saved length on resume, so bytes written after the last checkpoint are never kept twice.
/// </summary>
public sealed class PipelineCheckpointStore(StateStore store)
{
    public async Task<PipelineCheckpoint?> GetAsync(string pipeline, string step, string runId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT position, sink_offset FROM pipeline_checkpoints WHERE pipeline = $pipeline AND step = $step AND run_id = $run;";
        command.Parameters.AddWithValue("$pipeline", pipeline);
        command.Parameters.AddWithValue("$step", step);
        command.Parameters.AddWithValue("$run", runId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new PipelineCheckpoint(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
    }

    public async Task SaveAsync(string pipeline, string step, string runId, PipelineCheckpoint checkpoint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO pipeline_checkpoints (pipeline, step, run_id, position, sink_offset, updated_at_utc) VALUES ($pipeline, $step, $run, $position, $offset, $now)
            ON CONFLICT (pipeline, step, run_id) DO UPDATE SET position = excluded.position, sink_offset = excluded.sink_offset, updated_at_utc = excluded.updated_at_utc;
            """;
        command.Parameters.AddWithValue("$pipeline", pipeline);
        command.Parameters.AddWithValue("$step", step);
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$position", checkpoint.Position);
        command.Parameters.AddWithValue("$offset", (object?)checkpoint.SinkOffset ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
