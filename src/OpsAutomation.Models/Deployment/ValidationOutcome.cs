namespace OpsAutomation.Models.Deployment;

/// <summary>The overall verdict of a deployment's validation.</summary>
public enum ValidationOutcome
{
    /// <summary>Every gate passed.</summary>
    Passed,

    /// <summary>A gate failed (the first to fail decides; the others are stopped).</summary>
    Failed,

    /// <summary>No gate failed, but one was inconclusive: a person decides (promote, abort or retry).</summary>
    Inconclusive,
}
