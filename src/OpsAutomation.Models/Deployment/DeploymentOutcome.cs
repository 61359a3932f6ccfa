namespace OpsAutomation.Models.Deployment;

/// <summary>How a deployment run ended, or that it has not.</summary>
public enum DeploymentOutcome
{
    /// <summary>Started and not ended: still running, or killed (the next run finds it and resumes, promotes or aborts).</summary>
    InProgress,

    /// <summary>Rolled out and validated.</summary>
    Succeeded,

    /// <summary>Failed and was rolled back to the revision before it.</summary>
    RolledBack,

    /// <summary>Failed and was left as it stood (no rollback, or the rollback failed too).</summary>
    Failed,
}
