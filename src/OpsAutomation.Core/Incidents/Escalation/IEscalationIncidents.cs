using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Escalation;

/// <summary>
/// What the escalation engine needs of the incident store: read an incident, list the open ones,
/// add to a timeline, change one in a single write. IncidentStoreIncidents is the
/// state store's; tests may give their own.
/// </summary>
public interface IEscalationIncidents
{
    /// <summary>The incident, or null when no incident has the id.</summary>
    Task<Incident?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>The incidents not yet resolved.</summary>
    IAsyncEnumerable<Incident> ListOpenAsync(CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="entry"/> to the incident's timeline.</summary>
    Task<Incident> AppendAsync(string id, IncidentTimelineEntry entry, CancellationToken cancellationToken);

    /// <summary>Changes the incident in one read-modify-write.</summary>
    Task<Incident> UpdateAsync(string id, Func<Incident, Incident> change, CancellationToken cancellationToken);
}
