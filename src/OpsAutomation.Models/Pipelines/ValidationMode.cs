namespace OpsAutomation.Models.Pipelines;

/// <summary>How much of a bad record validation reports.</summary>
public enum ValidationMode
{
    /// <summary>Every failure of the record (Pandera's lazy=True): one pass shows all that is wrong.</summary>
    Lazy,

    /// <summary>Only the first failure: cheaper when bad records are common and one reason is enough.</summary>
    FailFast,
}
