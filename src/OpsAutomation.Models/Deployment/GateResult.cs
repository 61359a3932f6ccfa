namespace OpsAutomation.Models.Deployment;

/// <summary>How one gate of a validation ended, why, and every evaluation it made.</summary>
public sealed record GateResult
{
    /// <summary>The gate's name.</summary>
    public required string Gate { get; init; }

    /// <summary>Health or Metric.</summary>
    public required GateKind Kind { get; init; }

    /// <summary>Passed, Failed, Inconclusive or Stopped.</summary>
    public required GateOutcome Outcome { get; init; }

    /// <summary>Why, as a person reads it: "error-ratio: 0.18 &gt; 0.05 in 3 of 5 evaluations (limit 1)".</summary>
    public required string Reason { get; init; }

    /// <summary>Evaluations that passed (a health gate: rounds).</summary>
    public int Passed { get; init; }

    /// <summary>Evaluations that failed, no data counted by a Fail policy included.</summary>
    public int Failed { get; init; }

    /// <summary>Evaluations that were inconclusive (no data under an Inconclusive policy).</summary>
    public int Inconclusive { get; init; }

    /// <summary>Evaluations that could not be made.</summary>
    public int Errors { get; init; }

    /// <summary>Every evaluation the gate made, in order.</summary>
    public IReadOnlyList<GateEvaluation> Evaluations { get; init; } = [];

    /// <summary>When the gate started.</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>How long the gate ran.</summary>
    public required TimeSpan Duration { get; init; }
}
