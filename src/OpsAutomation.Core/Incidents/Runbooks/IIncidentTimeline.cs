using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Runbooks;

/// <summary>What the runbook engine needs of the incident store: read an incident, append to its timeline.</summary>
public interface IIncidentTimeline
{
    /// <summary>The incident; null when there is none with that id.</summary>
    Task<Incident?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Appends <paramref name="entry"/> to the incident's timeline.</summary>
    Task<Incident> AppendAsync(string id, IncidentTimelineEntry entry, CancellationToken cancellationToken);
}

/// <summary>The incident a runbook was asked to run for does not exist.</summary>
public sealed class RunbookIncidentNotFoundException(string id, string origin)
    : Exception($"There is no incident '{id}' in the state store ({origin}); Get-Incident lists them.")
{
    /// <summary>The id asked for.</summary>
    public string Id { get; } = id;
}
