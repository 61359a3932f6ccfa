namespace OpsAutomation.Models.Health;

/// <summary>The verdict of one health check, from best to worst.</summary>
public enum HealthStatus
{
    /// <summary>The service answered and met every condition.</summary>
    Healthy,

    /// <summary>The service works but is slow or partly impaired.</summary>
    Degraded,

    /// <summary>The service answered, but wrongly: an error status, a failed condition, a broken protocol.</summary>
    Unhealthy,

    /// <summary>The service could not be reached: name resolution, connection or timeout failed.</summary>
    Unreachable,

    /// <summary>Not probed: the target's circuit breaker is open after repeated failures, until its cool-down passes.</summary>
    CircuitOpen,
}
