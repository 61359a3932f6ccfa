namespace OpsAutomation.Models.Deployment;

/// <summary>The verdict of one evaluation of a gate.</summary>
public enum GateVerdict
{
    /// <summary>The value met the threshold (or every health check was healthy).</summary>
    Pass,

    /// <summary>The value missed the threshold (or a health check was unhealthy).</summary>
    Fail,

    /// <summary>The query returned no series, or NaN: the gate's NoData policy decides how it counts.</summary>
    NoData,

    /// <summary>The evaluation could not be made: a query Prometheus refused, an unreachable server, several series with no reduction.</summary>
    Error,
}
