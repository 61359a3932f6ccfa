using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Runbooks;

/// <summary>
/// The Details the runbook engine writes on an incident's timeline, and how readers (the escalation
/// engine, the post-mortem) tell from them what a remediation did: one definition for writer and readers.
/// A step is an <see cref="IncidentEventKind.Action"/> entry with <see cref="Outcome"/> (a
/// <see cref="RunbookStepOutcome"/>); the verification a <see cref="IncidentEventKind.Verification"/>
/// entry with <see cref="Verified"/> ("true"/"false"); a remediation that needs a person an entry with
/// <see cref="Escalate"/> = "true".
/// </summary>
public static class RunbookTimeline
{
    /// <summary>A step entry's outcome: a <see cref="RunbookStepOutcome"/> name.</summary>
    public const string Outcome = "outcome";

    /// <summary>A verification entry's result: "true" when the service was verified healthy, else "false".</summary>
    public const string Verified = "verified";

    /// <summary>The marker ("true") of an entry that asks for escalation now.</summary>
    public const string Escalate = "escalate";

    /// <summary>Whether <paramref name="entry"/> asks for escalation.</summary>
    public static bool IsEscalateMarker(IncidentTimelineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Details.TryGetValue(Escalate, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether <paramref name="entry"/> is a verification that passed.</summary>
    public static bool IsPassedVerification(IncidentTimelineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Kind == IncidentEventKind.Verification && entry.Details.TryGetValue(Verified, out var value) && value == "true";
    }

    /// <summary>
    /// Whether <paramref name="entry"/> records a remediation that did not succeed: a step that
    /// Failed, was Refused (no approval) or RateLimited; a verification that did not pass; or an
    /// escalate marker. Entries the runbook engine did not write are never failures.
    /// </summary>
    public static bool DidNotSucceed(IncidentTimelineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (IsEscalateMarker(entry)) return true;
        if (entry.Kind == IncidentEventKind.Verification && entry.Details.TryGetValue(Verified, out var verified)) return verified != "true";
        return entry.Kind == IncidentEventKind.Action && entry.Details.TryGetValue(Outcome, out var outcome)
            && Enum.TryParse<RunbookStepOutcome>(outcome, ignoreCase: false, out var step)
            && step is RunbookStepOutcome.Failed or RunbookStepOutcome.Refused or RunbookStepOutcome.RateLimited;
    }
}
