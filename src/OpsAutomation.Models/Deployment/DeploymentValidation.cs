namespace OpsAutomation.Models.Deployment;

/// <summary>The validation of a deployment after its rollout (Test-Deployment), or of one canary step.</summary>
public sealed record DeploymentValidation
{
    /// <summary>Passed, Failed or Inconclusive.</summary>
    public required ValidationOutcome Outcome { get; init; }

    /// <summary>The gate that decided the outcome: the first to fail, else the first inconclusive, else null when all passed.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>Why, as a person reads it: the deciding gate's reason, or what every gate passed with.</summary>
    public required string Reason { get; init; }

    /// <summary>Each gate's outcome and evaluations, in the plan's order.</summary>
    public IReadOnlyList<GateResult> Gates { get; init; } = [];

    /// <summary>Every evaluation of every gate, in the order they were made.</summary>
    public IReadOnlyList<GateEvaluation> Evaluations { get; init; } = [];

    /// <summary>When the first gate started.</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>How long the validation took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The run id that ties the validation's logs and health history together.</summary>
    public required string RunId { get; init; }

    /// <summary>When the outcome was decided.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
