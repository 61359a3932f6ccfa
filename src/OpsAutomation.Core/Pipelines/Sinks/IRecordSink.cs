namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>Who writes: the pipeline, step and run a sink keeps its checkpoint under.</summary>
public sealed record SinkContext(string Pipeline, string Step, string RunId)
{
    /// <summary>Set for a replay of dead letters: the sink must never overwrite what it holds (see <see cref="SinkReplay"/>).</summary>
    public SinkReplay? Replay { get; init; }
}

/// <summary>
/// How a sink loads a replay of dead letters: it never overwrites a row (an upsert becomes an
/// insert), and it refuses a record whose key, or whose value of one of <paramref name="UniqueColumns"/>
/// (validation's unique columns, where the sink has a column of that name), it holds already.
/// The original run rejected such a record for its key; only the sink still knows the keys it loaded.
/// </summary>
public sealed record SinkReplay(IReadOnlyList<string> UniqueColumns);

/// <summary>A record the sink refused on its own (a constraint, a value its column cannot hold) while the rest of the batch was committed.</summary>
public sealed record RefusedRecord(DataRecord Record, string Error);

/// <summary>
/// Where a step's records go. Exactly-once loading rests on one promise: <see cref="WriteAsync"/>
/// commits the batch and the checkpoint together, so after a kill the committed checkpoint
/// tells precisely which positions are in the sink.
/// </summary>
public interface IRecordSink : IAsyncDisposable
{
    /// <summary>The OpenLineage dataset namespace, such as <c>sqlite</c> or <c>postgres://host:5432</c>.</summary>
    string DatasetNamespace { get; }

    /// <summary>The OpenLineage dataset name, such as a file path or <c>db.schema.table</c>.</summary>
    string DatasetName { get; }

    /// <summary>Opens the target (creating what is missing) and returns the checkpoint committed for this run (<see cref="StepCheckpoint.None"/> for a new one).</summary>
    Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="records"/> and the checkpoint <paramref name="beforeCommit"/> returns
    /// in one transaction. Records refused one by one are handed to <paramref name="beforeCommit"/>
    /// and not written; anything else that fails throws, and nothing of the batch is committed.
    /// </summary>
    Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken);

    /// <summary>Ends the load: file sinks move their finished file into place.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Whether trying the batch again may succeed (a locked database, a dropped connection, a timeout).</summary>
    bool IsTransient(Exception exception);
}
