namespace OpsAutomation.Models.Incidents;

/// <summary>Where an incident is in its life, in the order it normally moves.</summary>
public enum IncidentState
{
    /// <summary>Opened by a signal or a person; nobody has taken it yet, so escalation runs.</summary>
    Triggered,

    /// <summary>A person has taken it; escalation stops.</summary>
    Acknowledged,

    /// <summary>The impact is stopped (a rollback, a restart), the cause may not be fixed yet.</summary>
    Mitigated,

    /// <summary>Over: its signals cleared for long enough, or a person closed it.</summary>
    Resolved,
}
