namespace OpsAutomation.Models.Deployment;

/// <summary>How waiting for a rollout ended.</summary>
public enum RolloutStatus
{
    /// <summary>Every replica runs the new template and is available, and no old replica is left.</summary>
    Complete,

    /// <summary>The Deployment's Progressing condition says ProgressDeadlineExceeded.</summary>
    ProgressDeadlineExceeded,

    /// <summary>A pod of the new ReplicaSet is crash-looping, cannot pull its image, cannot be configured, or was OOM-killed.</summary>
    PodFailed,

    /// <summary>The caller's timeout passed first.</summary>
    TimedOut,

    /// <summary>The Deployment moved on to another revision than the one waited for.</summary>
    RevisionChanged,

    /// <summary>The Deployment does not exist, or was deleted while waited for.</summary>
    NotFound,

    /// <summary>The wait was cancelled (Ctrl+C).</summary>
    Cancelled,
}
