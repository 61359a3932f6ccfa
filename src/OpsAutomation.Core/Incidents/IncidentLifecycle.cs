using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents;

/// <summary>An incident cannot move from its state to the one asked for.</summary>
public sealed class IncidentTransitionException : InvalidOperationException
{
    /// <summary>An exception naming the incident, where it is and where it was asked to go.</summary>
    public IncidentTransitionException(string id, IncidentState from, IncidentState to, string reason)
        : base($"Incident '{id}' is {from} and cannot become {to}: {reason}")
    {
        Id = id;
        From = from;
        To = to;
    }

    /// <summary>The incident.</summary>
    public string Id { get; }

    /// <summary>Its state.</summary>
    public IncidentState From { get; }

    /// <summary>The state asked for.</summary>
    public IncidentState To { get; }
}

/// <summary>
/// What people do to an incident, each change recorded on the timeline with its actor. States move
/// forward only: Triggered, Acknowledged, Mitigated, Resolved (a step may be skipped). A resolved
/// incident is reopened by its signals returning (New-Incident), never by hand; asking for the state
/// it is already in changes nothing.
/// </summary>
public static class IncidentLifecycle
{
    /// <summary>
    /// <paramref name="incident"/> moved to <paramref name="to"/> by <paramref name="actor"/>: the first
    /// acknowledgement and mitigation are timed (mitigating or resolving an unacknowledged incident
    /// acknowledges it too); acknowledging gives it the actor as owner when it has none.
    /// </summary>
    /// <exception cref="IncidentTransitionException">A move backwards, or any move of a resolved incident.</exception>
    public static Incident Transition(Incident incident, IncidentState to, string actor, DateTimeOffset now, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (incident.State == to) return incident;
        if (incident.State == IncidentState.Resolved)
            throw new IncidentTransitionException(incident.Id, incident.State, to, "a resolved incident reopens only when its signals fire again (New-Incident)");
        if (to < incident.State)
            throw new IncidentTransitionException(incident.Id, incident.State, to, $"states only move forward ({string.Join(" -> ", Enum.GetNames<IncidentState>())})");
        if (to == IncidentState.Triggered)
            throw new IncidentTransitionException(incident.Id, incident.State, to, "only signals trigger an incident");

        var entry = new IncidentTimelineEntry
        {
            Timestamp = now, Kind = IncidentEventKind.StateChange, Actor = actor,
            Message = $"{to}" + (reason is { Length: > 0 } ? $": {reason}" : $" by {actor}"),
            Details = new Dictionary<string, string>(StringComparer.Ordinal) { ["From"] = incident.State.ToString(), ["To"] = to.ToString() },
        };
        return incident with
        {
            State = to,
            Owner = incident.Owner ?? (to == IncidentState.Acknowledged ? actor : null),
            AcknowledgedAt = incident.AcknowledgedAt ?? now,
            MitigatedAt = to >= IncidentState.Mitigated ? incident.MitigatedAt ?? now : incident.MitigatedAt,
            ResolvedAt = to == IncidentState.Resolved ? now : null,
            ClearRuns = 0,
            Timeline = [.. incident.Timeline, entry],
        };
    }

    /// <summary>A new owner, a new severity or a note, each a timeline line; what does not change writes no line.</summary>
    public static Incident Update(Incident incident, string? owner, HealthSeverity? severity, string? note, string actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var timeline = incident.Timeline.ToList();
        var result = incident;
        if (owner is not null && !string.Equals(owner, incident.Owner, StringComparison.Ordinal))
        {
            timeline.Add(Line(now, IncidentEventKind.Update, actor, $"Owner {incident.Owner ?? "(none)"} -> {owner}", "Owner", owner));
            result = result with { Owner = owner };
        }
        if (severity is { } s && s != incident.Severity)
        {
            timeline.Add(Line(now, IncidentEventKind.Update, actor, $"Severity {incident.Severity} -> {s}", "Severity", s.ToString()));
            result = result with { Severity = s };
        }
        if (note is { Length: > 0 })
            timeline.Add(new IncidentTimelineEntry { Timestamp = now, Kind = IncidentEventKind.Note, Actor = actor, Message = note });
        return timeline.Count == incident.Timeline.Count ? incident : result with { Timeline = timeline };
    }

    private static IncidentTimelineEntry Line(DateTimeOffset now, IncidentEventKind kind, string actor, string message, string key, string value) => new()
    {
        Timestamp = now, Kind = kind, Actor = actor, Message = message,
        Details = new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value },
    };
}
