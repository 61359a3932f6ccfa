namespace OpsAutomation.Models.Incidents;

/// <summary>What a timeline entry records.</summary>
public enum IncidentEventKind
{
    /// <summary>The incident was opened.</summary>
    Detected,

    /// <summary>A signal joined it (firing or clear).</summary>
    Signal,

    /// <summary>Its state changed (acknowledged, mitigated, resolved, reopened).</summary>
    StateChange,

    /// <summary>A person wrote a note.</summary>
    Note,

    /// <summary>A diagnostics bundle was collected.</summary>
    Diagnostics,

    /// <summary>A runbook action ran (or was refused, rate-limited or previewed).</summary>
    Action,

    /// <summary>A remediation's verification step.</summary>
    Verification,

    /// <summary>It was escalated to a level, or notified on a channel.</summary>
    Escalation,

    /// <summary>Its owner, severity, likely cause or suspects changed.</summary>
    Update,
}

/// <summary>One line of an incident's timeline: what happened, when, and who or what did it.</summary>
public sealed record IncidentTimelineEntry
{
    /// <summary>When it happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>What kind of event it is.</summary>
    public required IncidentEventKind Kind { get; init; }

    /// <summary>Who or what did it: user@host, or the engine (detector, runbook, escalation).</summary>
    public required string Actor { get; init; }

    /// <summary>One line for people.</summary>
    public required string Message { get; init; }

    /// <summary>Facts beside the message (an action's target and result, a bundle's path), already redacted.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public override string ToString() => $"{Timestamp:u} {Kind}: {Message}";
}
