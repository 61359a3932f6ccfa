namespace OpsAutomation.Models.Incidents;

/// <summary>What one run of the escalation engine did with an incident.</summary>
public enum EscalationAction
{
    /// <summary>It moved up one or more levels (its delay passed, or a runbook asked) and the levels' channels were paged.</summary>
    Escalated,

    /// <summary>It was acknowledged (or mitigated): escalation stopped and the paging systems were told.</summary>
    Acknowledged,

    /// <summary>It was resolved: every channel that was paged was sent the resolve.</summary>
    Resolved,

    /// <summary>Nothing new: messages a channel had not taken were sent again, or a firing was re-sent to Alertmanager.</summary>
    Retried,

    /// <summary>Nothing to do yet: the next level is not due.</summary>
    Waiting,
}

/// <summary>
/// One incident as Invoke-IncidentEscalation left it: the level before and after, who was told
/// and who failed to take it, and when the next level is due. Failed channels are sent again by the next run.
/// </summary>
public sealed record EscalationResult
{
    /// <summary>The incident's id (binds to -Id of the incident cmdlets).</summary>
    public required string Id { get; init; }

    /// <summary>The incident's title.</summary>
    public required string Title { get; init; }

    /// <summary>The incident's service.</summary>
    public required string Service { get; init; }

    /// <summary>The incident's state when the run looked at it.</summary>
    public required IncidentState State { get; init; }

    /// <summary>The escalation policy that took it.</summary>
    public required string Policy { get; init; }

    /// <summary>What the run did.</summary>
    public required EscalationAction Action { get; init; }

    /// <summary>The level it was at before the run (0 before the first).</summary>
    public required int LevelBefore { get; init; }

    /// <summary>The level it is at after the run.</summary>
    public required int LevelAfter { get; init; }

    /// <summary>The round of the policy's ladder (1 for the first; higher when the policy repeats).</summary>
    public int Round { get; init; } = 1;

    /// <summary>What each channel took in this run, as "Channel: action" (such as "PagerDuty (events.pagerduty.com): trigger").</summary>
    public IReadOnlyList<string> Notified { get; init; } = [];

    /// <summary>What a channel did not take, as "Channel: action: error"; sent again by the next run.</summary>
    public IReadOnlyList<string> Failed { get; init; } = [];

    /// <summary>When the next level is due while nobody acknowledges; null when there is none (top level, acknowledged, resolved).</summary>
    public DateTimeOffset? NextEscalationAt { get; init; }

    /// <summary>Why it escalated (the delay that passed, a runbook's escalate marker), or why it waits; null when neither applies.</summary>
    public string? Reason { get; init; }

    /// <summary>True when -WhatIf (or a declined -Confirm) kept the run from sending or recording anything: Notified is what would be sent.</summary>
    public bool WhatIf { get; init; }

    /// <summary>When the run looked at it.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Id}: {Action} (level {LevelBefore} -> {LevelAfter})";
}
