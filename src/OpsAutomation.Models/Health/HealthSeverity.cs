namespace OpsAutomation.Models.Health;

/// <summary>How much a service's failure matters; the names PagerDuty and Alertmanager routes use.</summary>
public enum HealthSeverity
{
    /// <summary>For the record only.</summary>
    Info,

    /// <summary>Worth a look during working hours.</summary>
    Warning,

    /// <summary>Users are affected.</summary>
    Error,

    /// <summary>Wake someone up.</summary>
    Critical,
}
