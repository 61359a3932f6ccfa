namespace OpsAutomation.Models.Deployment;

/// <summary>
/// One revision of a Deployment (Get-DeploymentHistory): its ReplicaSet in the cluster, joined with
/// the module's own record of the run that made it, when there is one.
/// </summary>
public sealed record DeploymentRevision
{
    /// <summary>The Deployment's name.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>deployment.kubernetes.io/revision of the ReplicaSet.</summary>
    public required long Revision { get; init; }

    /// <summary>Whether this is the Deployment's current revision.</summary>
    public bool Current { get; init; }

    /// <summary>The name of the revision's ReplicaSet.</summary>
    public required string ReplicaSet { get; init; }

    /// <summary>The kubernetes.io/change-cause annotation; null when not set.</summary>
    public string? ChangeCause { get; init; }

    /// <summary>The images of the revision's containers, in order.</summary>
    public IReadOnlyList<string> Images { get; init; } = [];

    /// <summary>The ReplicaSet's pods, wanted and ready.</summary>
    public int Replicas { get; init; }

    /// <summary>The ReplicaSet's ready pods.</summary>
    public int ReadyReplicas { get; init; }

    /// <summary>When the ReplicaSet was made.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>The module's record of the run that produced this revision; null when it was made otherwise (kubectl, another tool).</summary>
    public DeploymentRecord? Record { get; init; }

    /// <summary>The image digest the module's record names; null without a record.</summary>
    public string? ImageDigest => Record?.ImageDigest;

    /// <summary>Who deployed it (user@host), from the record; null without one.</summary>
    public string? User => Record?.User;

    /// <summary>How the module's run ended, from the record; null without one.</summary>
    public DeploymentOutcome? Outcome => Record?.Outcome;

    /// <summary>Why the run failed or was rolled back, from the record.</summary>
    public string? Reason => Record?.Reason;

    /// <summary>When the history was read.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
