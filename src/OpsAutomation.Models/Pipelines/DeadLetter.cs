namespace OpsAutomation.Models.Pipelines;

/// <summary>The stage of a pipeline step a record failed in.</summary>
public enum PipelineStage
{
    /// <summary>The source could not read it (a ragged row, bytes invalid in the encoding, a line that is not JSON).</summary>
    Read,

    /// <summary>It broke the schema or a column rule.</summary>
    Validate,

    /// <summary>A transform threw on it.</summary>
    Transform,

    /// <summary>The sink refused it (a constraint, a value the column cannot hold) after the batch was retried record by record.</summary>
    Load,
}

/// <summary>
/// A record a pipeline could not load, kept with everything needed to understand and replay it
/// (Get-DataPipelineDeadLetter, Invoke-DataPipelineReplay, Remove-DataPipelineDeadLetter).
/// </summary>
public sealed record DeadLetter
{
    /// <summary>The letter's id in the store.</summary>
    public required long Id { get; init; }

    /// <summary>The pipeline that rejected it.</summary>
    public required string Pipeline { get; init; }

    /// <summary>The step that rejected it.</summary>
    public required string Step { get; init; }

    /// <summary>The run that rejected it.</summary>
    public required string RunId { get; init; }

    /// <summary>The stage it failed in.</summary>
    public required PipelineStage Stage { get; init; }

    /// <summary>The record's 1-based position in its source.</summary>
    public required long Position { get; init; }

    /// <summary>Where it was read, such as orders.csv:17.</summary>
    public required string Location { get; init; }

    /// <summary>Why: the validation failures, the transform's exception or the sink's error.</summary>
    public required string Error { get; init; }

    /// <summary>Attempts made before giving up (1 when the failure is permanent at once).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>The original record as JSON (for an unreadable one, its raw text).</summary>
    public required string Record { get; init; }

    /// <summary>When it was dead-lettered.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a replay loaded it; null until then. A replayed letter is never replayed again.</summary>
    public DateTimeOffset? ReplayedAt { get; init; }

    /// <summary>The run that replayed it.</summary>
    public string? ReplayRunId { get; init; }

    /// <summary>
    /// The replay run that has claimed it and not finished yet (null when none): a letter is taken
    /// by one replay only, and a replay that was killed is finished by the next one.
    /// </summary>
    public string? ClaimRunId { get; init; }

    /// <summary>Its position in the claiming replay's input (what that run's checkpoint counts); null when not claimed.</summary>
    public long? ClaimPosition { get; init; }
}
