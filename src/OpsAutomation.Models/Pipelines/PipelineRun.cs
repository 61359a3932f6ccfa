namespace OpsAutomation.Models.Pipelines;

/// <summary>
/// One run of a pipeline (Start-DataPipeline, Get-DataPipelineRun): its counts, timing and
/// outcome. The counts always add up: RecordsIn = Loaded + Rejected + Filtered (Filtered is 0
/// unless a filter transform drops records on purpose).
/// </summary>
public sealed record PipelineRun
{
    /// <summary>The run's id; a resumed run keeps the id of the run it continues.</summary>
    public required string RunId { get; init; }

    /// <summary>The pipeline's name from its spec.</summary>
    public required string Pipeline { get; init; }

    /// <summary>How the run ended, or Running.</summary>
    public required PipelineRunStatus Status { get; init; }

    /// <summary>Records read from the sources (for a resumed run, over all its attempts).</summary>
    public long RecordsIn { get; init; }

    /// <summary>Records written to the sinks.</summary>
    public long Loaded { get; init; }

    /// <summary>Records not loaded: failed validation, filtered out by a failing transform, or refused by the sink.</summary>
    public long Rejected { get; init; }

    /// <summary>Rejected records kept in the dead-letter queue (all of them, unless dead letters are off).</summary>
    public long DeadLettered { get; init; }

    /// <summary>Records filtered out on purpose by a filter transform (counted in neither Loaded nor Rejected).</summary>
    public long Filtered { get; init; }

    /// <summary>Retried operations (sink batches, connections) after a transient failure.</summary>
    public long Retried { get; init; }

    /// <summary>When the run (its first attempt) started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended; null while it runs.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Time spent running (over all attempts of a resumed run).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Records read per second of <see cref="Duration"/>.</summary>
    public double RecordsPerSecond => Duration > TimeSpan.Zero ? RecordsIn / Duration.TotalSeconds : 0;

    /// <summary>Rejected / RecordsIn, 0 when nothing was read.</summary>
    public double RejectionRate => RecordsIn > 0 ? (double)Rejected / RecordsIn : 0;

    /// <summary>How many times the run was resumed after a kill, failure or cancel.</summary>
    public int Resumes { get; init; }

    /// <summary>The steps of the run, in the order they ran.</summary>
    public IReadOnlyList<PipelineStepRun> Steps { get; init; } = [];

    /// <summary>Why the run failed; null otherwise.</summary>
    public string? Error { get; init; }
}

/// <summary>One step of a run: its own counts and outcome.</summary>
public sealed record PipelineStepRun
{
    /// <summary>The step's name from the spec.</summary>
    public required string Step { get; init; }

    /// <summary>How the step ended.</summary>
    public required PipelineRunStatus Status { get; init; }

    /// <summary>The source's dataset, as OpenLineage names it (namespace and name).</summary>
    public string? Input { get; init; }

    /// <summary>The sink's dataset, as OpenLineage names it.</summary>
    public string? Output { get; init; }

    /// <summary>Records the step read.</summary>
    public long RecordsIn { get; init; }

    /// <summary>Records the step loaded.</summary>
    public long Loaded { get; init; }

    /// <summary>Records the step did not load.</summary>
    public long Rejected { get; init; }

    /// <summary>Rejected records kept as dead letters.</summary>
    public long DeadLettered { get; init; }

    /// <summary>Records a filter transform dropped on purpose.</summary>
    public long Filtered { get; init; }

    /// <summary>Retried sink batches.</summary>
    public long Retried { get; init; }

    /// <summary>The last source position whose record is committed (the checkpoint).</summary>
    public long Checkpoint { get; init; }

    /// <summary>Time the step ran.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Why the step failed; null otherwise.</summary>
    public string? Error { get; init; }
}
