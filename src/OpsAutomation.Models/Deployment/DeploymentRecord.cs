namespace OpsAutomation.Models.Deployment;

/// <summary>
/// One deployment run as the module keeps it in the state store: what was deployed where, by whom,
/// from which revision to which, and how it ended. It holds no secret: no token, password or
/// kubeconfig content, only the names of the deployment, namespace and context.
/// </summary>
public sealed record DeploymentRecord
{
    /// <summary>The run's id (a GUID unless the orchestrator gives one).</summary>
    public required string Id { get; init; }

    /// <summary>The Deployment's name.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The kubeconfig context it was deployed through; null for the kubeconfig's current context.</summary>
    public string? Context { get; init; }

    /// <summary>The strategy: Rolling, Canary, BlueGreen, or Undo for a rollback asked for by a person.</summary>
    public required string Strategy { get; init; }

    /// <summary>The image reference deployed (registry/repository:tag), when known.</summary>
    public string? Image { get; init; }

    /// <summary>The image's digest (sha256:...), when known.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>Who deployed: user@host.</summary>
    public required string User { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended; null while <see cref="Outcome"/> is InProgress.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The Deployment's revision before the run; null when it did not exist.</summary>
    public long? RevisionBefore { get; init; }

    /// <summary>The Deployment's revision after the run; null until known.</summary>
    public long? RevisionAfter { get; init; }

    /// <summary>How the run ended; InProgress while it runs (or after it was killed).</summary>
    public DeploymentOutcome Outcome { get; init; } = DeploymentOutcome.InProgress;

    /// <summary>Why the run failed or was rolled back; null when it succeeded.</summary>
    public string? Reason { get; init; }

    /// <summary>The steps and gate evaluations of the run, as JSON, for the orchestrator; null when none.</summary>
    public string? DetailsJson { get; init; }

    /// <summary>The host of the process that ran it (with <see cref="ProcessId"/>, tells a live run from a killed one).</summary>
    public string Host { get; init; } = "";

    /// <summary>The id of the process that ran it, on <see cref="Host"/>.</summary>
    public int ProcessId { get; init; }

    /// <summary>When the record was last written.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>From start to end; null while InProgress.</summary>
    public TimeSpan? Duration => EndedAt - StartedAt;
}
