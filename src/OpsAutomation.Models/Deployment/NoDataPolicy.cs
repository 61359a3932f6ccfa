namespace OpsAutomation.Models.Deployment;

/// <summary>
/// What an evaluation that returned no data (an empty vector, or NaN such as 0/0 without traffic)
/// counts as. The evaluation is always recorded as NoData; the policy only decides how it is tallied.
/// </summary>
public enum NoDataPolicy
{
    /// <summary>Counts as a failed evaluation, against FailureLimit. The default: no data never passes silently.</summary>
    Fail,

    /// <summary>Counts as an inconclusive evaluation, against InconclusiveLimit.</summary>
    Inconclusive,

    /// <summary>Counts as a passed evaluation, and the record says it was no data.</summary>
    Pass,
}
