namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>
/// A step's committed progress: the last source position handled and the counts up to it. It is
/// committed with the batch it follows, so a resumed run starts from exact counts as well as the
/// exact position, and its totals still add up (RecordsIn = Loaded + Rejected + Filtered).
/// </summary>
public sealed record StepCheckpoint(long Position, long RecordsIn, long Loaded, long Rejected, long Filtered)
{
    public static StepCheckpoint None { get; } = new(0, 0, 0, 0, 0);
}

/// <summary>
/// Called by a sink inside its batch transaction, after it knows which records it refused and
/// before it commits: the pipeline keeps those records as dead letters, then returns the
/// checkpoint the sink commits with the batch.
/// </summary>
public delegate Task<StepCheckpoint> BeforeCommit(IReadOnlyList<RefusedRecord> refused, CancellationToken cancellationToken);
