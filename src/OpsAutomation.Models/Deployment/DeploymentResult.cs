namespace OpsAutomation.Models.Deployment;

/// <summary>
/// One run of Invoke-Deployment: what was deployed where, how it ended and why, and every step's
/// record (the objects applied, the rollout, the validation gates, the strategy's steps). Pipes
/// into Test-ServiceHealth by its <see cref="Uri"/> (the deployed Services' URLs), and into
/// Wait-DeploymentRollout, Test-Deployment, Undo-Deployment and Get-DeploymentHistory by its Name,
/// Namespace, Kubeconfig and Context (the same Deployment on the same cluster).
/// </summary>
public sealed record DeploymentResult
{
    /// <summary>The deployment record's id in the state store (Get-DeploymentHistory shows it).</summary>
    public required string Id { get; init; }

    /// <summary>The Deployment the run drove.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>
    /// The kubeconfig file the run used; null for the default (KUBECONFIG, ~/.kube/config or the pod's
    /// service account). With <see cref="Context"/> it binds the next deployment cmdlet to the same cluster.
    /// </summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The kubeconfig context the run used; null for the kubeconfig's current-context.</summary>
    public string? Context { get; init; }

    /// <summary>How the new version replaced the old: RollingUpdate, Canary or BlueGreen.</summary>
    public required DeploymentStrategyKind Strategy { get; init; }

    /// <summary>Succeeded, RolledBack (the old version serves again) or Failed (a person must look: nothing was rolled back).</summary>
    public required DeploymentOutcome Outcome { get; init; }

    /// <summary>False when the cluster already ran exactly this: nothing was changed and no revision made.</summary>
    public bool Changed { get; init; }

    /// <summary>Why it ended so, in a sentence that names the failed step, gate or pod.</summary>
    public required string Reason { get; init; }

    /// <summary>The image deployed, by digest when it was built and pushed: what runs is exactly what was built.</summary>
    public string? Image { get; init; }

    /// <summary>The pushed image's digest (sha256:...), when the run built it.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>The Deployment's revision before the run; null on a first deployment.</summary>
    public long? RevisionBefore { get; init; }

    /// <summary>The Deployment's revision after the run (after a rollback, the restored one).</summary>
    public long? RevisionAfter { get; init; }

    /// <summary>The objects applied, each Created, Configured or Unchanged.</summary>
    public IReadOnlyList<ManifestApplyResult> Applied { get; init; } = [];

    /// <summary>The rollout as it was watched (the last one: after a rollback, the rollback's).</summary>
    public RolloutResult? Rollout { get; init; }

    /// <summary>
    /// Every rollout the run waited on, in order, each with its replica counts over time: a rolling
    /// update's one, a canary's rollouts of the canary and of the promoted Deployment, a blue-green's of
    /// the idle colour, and a rollback's.
    /// </summary>
    public IReadOnlyList<RolloutResult> Rollouts { get; init; } = [];

    /// <summary>
    /// The validation that decided the run, with every gate's evaluations (query, value, threshold, verdict): after a
    /// rolling update, the one after the rollout; of a canary or blue-green run, its last analysis (the failed one when
    /// it was aborted or switched back).
    /// </summary>
    public DeploymentValidation? Validation { get; init; }

    /// <summary>The canary or blue-green steps taken.</summary>
    public IReadOnlyList<StrategyStepResult> Steps { get; init; } = [];

    /// <summary>The URLs the deployed Service is reached at from here (the sandbox's local port, a load balancer's address).</summary>
    public IReadOnlyList<string> Uri { get; init; } = [];

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>From the start (build included) to the outcome.</summary>
    public required TimeSpan Duration { get; init; }
}
