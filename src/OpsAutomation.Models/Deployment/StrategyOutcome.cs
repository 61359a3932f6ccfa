namespace OpsAutomation.Models.Deployment;

/// <summary>How a canary or blue-green run ended.</summary>
public enum StrategyOutcome
{
    /// <summary>The new version serves all traffic: a canary promoted, or a blue-green switch that held.</summary>
    Promoted,

    /// <summary>The new version was taken away before it served all traffic; the stable version is untouched.</summary>
    Aborted,

    /// <summary>Blue-green only: the switch was made, failed its analysis, and the active Service was switched back.</summary>
    SwitchedBack,

    /// <summary>Nothing to do: the stable version already runs what was asked.</summary>
    Unchanged,
}
