namespace OpsAutomation.Models.Deployment;

/// <summary>The replica counts of a Deployment at one moment of its rollout: one point of <see cref="RolloutResult.History"/>.</summary>
public sealed record RolloutSample
{
    /// <summary>When the counts were seen.</summary>
    public required DateTimeOffset Timestamp { get; init; }

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

    /// <summary>The counts of <paramref name="progress"/>, at its time.</summary>
    public static RolloutSample From(RolloutProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return new RolloutSample
        {
            Timestamp = progress.Timestamp,
            Desired = progress.Desired,
            Updated = progress.Updated,
            Ready = progress.Ready,
            Available = progress.Available,
            Total = progress.Total,
        };
    }

    /// <summary>True when <paramref name="other"/> has the same counts, whenever it was seen.</summary>
    public bool SameCounts(RolloutSample other) => other is not null && this with { Timestamp = other.Timestamp } == other;

    /// <summary>The counts in a few words: "2 of 3 updated, 2 ready, 1 available".</summary>
    public override string ToString() => $"{Updated} of {Desired} updated, {Ready} ready, {Available} available";
}
