namespace OpsAutomation.Models.Alerting;

/// <summary>Where an alert stands.</summary>
public enum AlertState
{
    /// <summary>Not firing: the service is healthy, or not failing long enough to alert.</summary>
    Inactive,

    /// <summary>Failing for the failure threshold: notified.</summary>
    Firing,

    /// <summary>Was firing and recovered for the success threshold: notified as resolved.</summary>
    Resolved,
}
