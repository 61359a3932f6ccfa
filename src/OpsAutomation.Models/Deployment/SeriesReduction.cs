namespace OpsAutomation.Models.Deployment;

/// <summary>How a metric gate treats a query that returns several series.</summary>
public enum SeriesReduction
{
    /// <summary>Several series are an Error evaluation that names them: say how to reduce. The default.</summary>
    None,

    /// <summary>Every series must pass; the evaluation names the series that failed.</summary>
    Each,

    /// <summary>The largest value of the series is compared.</summary>
    Max,

    /// <summary>The smallest value of the series is compared.</summary>
    Min,

    /// <summary>The mean of the series is compared.</summary>
    Avg,

    /// <summary>The sum of the series is compared.</summary>
    Sum,
}
