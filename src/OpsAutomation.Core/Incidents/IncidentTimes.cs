using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents;

/// <summary>
/// An incident's times to detect, acknowledge, mitigate and resolve, defined once for Measure-Incident
/// (<see cref="IncidentMeasurer"/>) and the post-mortem draft: detect is from the first signal to the
/// opening (never negative); acknowledge, mitigate and resolve are from the opening to each; null
/// where the incident has not got there.
/// </summary>
/// <param name="Detect">First signal to opening.</param>
/// <param name="Acknowledge">Opening to the first acknowledgement.</param>
/// <param name="Mitigate">Opening to mitigation.</param>
/// <param name="Resolve">Opening to resolution.</param>
public readonly record struct IncidentTimes(TimeSpan Detect, TimeSpan? Acknowledge, TimeSpan? Mitigate, TimeSpan? Resolve)
{
    /// <summary>The times of <paramref name="incident"/>.</summary>
    public static IncidentTimes Of(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var detect = incident.OpenedAt - incident.DetectedAt;
        return new IncidentTimes(
            detect < TimeSpan.Zero ? TimeSpan.Zero : detect,
            incident.AcknowledgedAt - incident.OpenedAt,
            incident.MitigatedAt - incident.OpenedAt,
            incident.ResolvedAt - incident.OpenedAt);
    }
}
