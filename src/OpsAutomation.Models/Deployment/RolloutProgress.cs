namespace OpsAutomation.Models.Deployment;

/// <summary>
/// Where a Deployment's rollout stands, as `kubectl rollout status` reads it: the replicas wanted,
/// updated to the new template, ready and available, and kubectl's own words for it.
/// </summary>
public sealed record RolloutProgress
{
    /// <summary>The Deployment's name.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The Deployment's revision (deployment.kubernetes.io/revision); 0 before the controller gave it one.</summary>
    public long Revision { get; init; }

    /// <summary>spec.replicas.</summary>
    public int Desired { get; init; }

    /// <summary>status.updatedReplicas: pods of the new template.</summary>
    public int Updated { get; init; }

    /// <summary>status.readyReplicas.</summary>
    public int Ready { get; init; }

    /// <summary>status.availableReplicas.</summary>
    public int Available { get; init; }

    /// <summary>status.replicas: every pod, old and new.</summary>
    public int Total { get; init; }

    /// <summary>kubectl's message: "Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...".</summary>
    public required string Message { get; init; }

    /// <summary>When this state was seen.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The state in a few words: "2 of 3 updated, 1 available".</summary>
    public string Summary => $"{Updated} of {Desired} updated, {Ready} ready, {Available} available";

    /// <summary>The state in a few words, as <see cref="Summary"/>.</summary>
    public override string ToString() => Summary;
}
