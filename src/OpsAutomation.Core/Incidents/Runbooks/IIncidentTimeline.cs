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

/// <summary>The incident store as the runbook engine uses it.</summary>
public sealed class StoredIncidents(IncidentStore store) : IIncidentTimeline
{
    /// <inheritdoc />
    public Task<Incident?> GetAsync(string id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<Incident> AppendAsync(string id, IncidentTimelineEntry entry, CancellationToken cancellationToken) => store.AppendAsync(id, entry, cancellationToken);

    /// <summary>The store file, for errors.</summary>
    public string Path => store.State.FilePath;
}
