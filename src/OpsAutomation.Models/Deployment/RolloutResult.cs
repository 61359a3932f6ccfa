namespace OpsAutomation.Models.Deployment;

/// <summary>The end of waiting for a rollout (Wait-DeploymentRollout): how it ended and the state the Deployment was left in.</summary>
public sealed record RolloutResult
{
    /// <summary>The Deployment's name.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>How the wait ended.</summary>
    public required RolloutStatus Status { get; init; }

    /// <summary>The revision waited for.</summary>
    public long Revision { get; init; }

    /// <summary>The last state seen.</summary>
    public required RolloutProgress State { get; init; }

    /// <summary>
    /// The replica counts seen during the wait, oldest first: one sample per change (a run of equal
    /// counts is its first sample), at most <see cref="MaxHistory"/>, thinned evenly beyond that; the last is always kept.
    /// </summary>
    public IReadOnlyList<RolloutSample> History { get; init; } = [];

    /// <summary>How many samples <see cref="History"/> keeps at most.</summary>
    public const int MaxHistory = 200;

    /// <summary>What ended the wait, in words.</summary>
    public required string Message { get; init; }

    /// <summary>The failing pod, when <see cref="Status"/> is PodFailed.</summary>
    public PodFailure? PodFailure { get; init; }

    /// <summary>How many times a watch was started again from a fresh list after 410 Expired.</summary>
    public int Relists { get; init; }

    /// <summary>How long the wait took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When the wait ended.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>True when the rollout completed.</summary>
    public bool Succeeded => Status == RolloutStatus.Complete;
}

/// <summary>A container of the new ReplicaSet that will not come up, with the last lines it logged.</summary>
public sealed record PodFailure
{
    /// <summary>The pod's name.</summary>
    public required string Pod { get; init; }

    /// <summary>The container's name.</summary>
    public required string Container { get; init; }

    /// <summary>CrashLoopBackOff, ErrImagePull, ImagePullBackOff, CreateContainerConfigError or OOMKilled.</summary>
    public required string Reason { get; init; }

    /// <summary>The kubelet's message for the reason, when it gave one.</summary>
    public string? Message { get; init; }

    /// <summary>The container's restart count.</summary>
    public int Restarts { get; init; }

    /// <summary>The exit code of the last termination, when the container ran.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The last log lines of the container (of its previous run after a restart); empty when it never ran.</summary>
    public IReadOnlyList<string> LogLines { get; init; } = [];

    /// <summary>Why no log lines could be read, when they could not.</summary>
    public string? LogError { get; init; }

    /// <summary>Pod, container, reason, restarts and exit code in one line.</summary>
    public override string ToString() =>
        $"pod {Pod} container {Container}: {Reason}{(Message is null ? "" : $" ({Message})")}, {Restarts} restart{(Restarts == 1 ? "" : "s")}"
        + (ExitCode is { } code ? $", exit code {code}" : "");
}
