using System.Globalization;
using OpsAutomation.Core.Pipelines.Sinks;

namespace OpsAutomation.Core.State;

/// <summary>
/// Checkpoints of sinks that have no database of their own to commit them in (files). A file
/// sink syncs its data to disk before it saves the checkpoint, and cuts the file back to the
/// saved length on resume, so bytes written after the last checkpoint are never kept twice.
/// </summary>
public sealed class PipelineCheckpointStore(StateStore store)
{
    public async Task<(StepCheckpoint Checkpoint, long? SinkOffset)?> GetAsync(string pipeline, string step, string runId, CancellationToken cancellationToken)
    {
        return await store.RunAsync<(StepCheckpoint Checkpoint, long? SinkOffset)?>("read the pipeline checkpoint", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT position, records_in, loaded, rejected, filtered, sink_offset FROM pipeline_checkpoints WHERE pipeline = $pipeline AND step = $step AND run_id = $run;";
            command.Parameters.AddWithValue("$pipeline", pipeline);
            command.Parameters.AddWithValue("$step", step);
            command.Parameters.AddWithValue("$run", runId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            return (new StepCheckpoint(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)), reader.IsDBNull(5) ? null : reader.GetInt64(5));
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveAsync(string pipeline, string step, string runId, StepCheckpoint checkpoint, long? sinkOffset, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await store.RunAsync("save the pipeline checkpoint", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO pipeline_checkpoints (pipeline, step, run_id, position, records_in, loaded, rejected, filtered, sink_offset, updated_at_utc)
                VALUES ($pipeline, $step, $run, $position, $in, $loaded, $rejected, $filtered, $offset, $now)
                ON CONFLICT (pipeline, step, run_id) DO UPDATE SET position = excluded.position, records_in = excluded.records_in, loaded = excluded.loaded,
                    rejected = excluded.rejected, filtered = excluded.filtered, sink_offset = excluded.sink_offset, updated_at_utc = excluded.updated_at_utc;
                """;
            command.Parameters.AddWithValue("$pipeline", pipeline);
            command.Parameters.AddWithValue("$step", step);
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$position", checkpoint.Position);
            command.Parameters.AddWithValue("$in", checkpoint.RecordsIn);
            command.Parameters.AddWithValue("$loaded", checkpoint.Loaded);
            command.Parameters.AddWithValue("$rejected", checkpoint.Rejected);
            command.Parameters.AddWithValue("$filtered", checkpoint.Filtered);
            command.Parameters.AddWithValue("$offset", (object?)sinkOffset ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
