namespace OpsAutomation.Models.Deployment;

/// <summary>What Undo-Deployment did.</summary>
public enum DeploymentUndoOutcome
{
    /// <summary>The Deployment was patched with the template of the target revision ("rolled back").</summary>
    RolledBack,

    /// <summary>The template already matched the target revision: nothing was changed ("skipped rollback").</summary>
    Skipped,

    /// <summary>-WhatIf, or the confirmation was declined: nothing was changed.</summary>
    NotConfirmed,
}

/// <summary>The result of Undo-Deployment: from which revision to which, and the rollout that followed when waited for.</summary>
public sealed record DeploymentUndoResult
{
    /// <summary>The Deployment's name.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>Whether the Deployment was changed.</summary>
    public required DeploymentUndoOutcome Outcome { get; init; }

    /// <summary>The Deployment's revision before the undo.</summary>
    public long FromRevision { get; init; }

    /// <summary>The revision whose template was restored (it comes back under a new revision number, as kubectl's does).</summary>
    public long ToRevision { get; init; }

    /// <summary>kubectl's words: "rolled back", "skipped rollback (current template already matches revision 2)".</summary>
    public required string Message { get; init; }

    /// <summary>The images of the restored template.</summary>
    public IReadOnlyList<string> Images { get; init; } = [];

    /// <summary>The rollout after the undo, when it was waited for.</summary>
    public RolloutResult? Rollout { get; init; }

    /// <summary>When the undo (and its wait) ended.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
