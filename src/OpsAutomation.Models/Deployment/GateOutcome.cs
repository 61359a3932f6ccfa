namespace OpsAutomation.Models.Deployment;

/// <summary>How one gate ended.</summary>
public enum GateOutcome
{
    /// <summary>The gate's condition held.</summary>
    Passed,

    /// <summary>More failures than the gate tolerates, or its window ended first.</summary>
    Failed,

    /// <summary>More inconclusive evaluations than the gate tolerates: a person decides.</summary>
    Inconclusive,

    /// <summary>Not finished: another gate decided the validation first, so this one was stopped.</summary>
    Stopped,
}
