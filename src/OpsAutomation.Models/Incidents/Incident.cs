using OpsAutomation.Models.Health;

namespace OpsAutomation.Models.Incidents;

/// <summary>
/// An incident as the state store keeps it: what is wrong with which service, how bad, who has it,
/// the signals that opened or joined it, and everything that happened to it since, in order.
/// </summary>
public sealed record Incident
{
    /// <summary>Its id, such as <c>INC-20261207-0003</c>: stable, unique in the state store, typed by people.</summary>
    public required string Id { get; init; }

    /// <summary>One line: what is wrong where.</summary>
    public required string Title { get; init; }

    /// <summary>The affected service, as the catalog names it.</summary>
    public required string Service { get; init; }

    /// <summary>How bad: the highest severity of its firing signals unless a person set it.</summary>
    public required HealthSeverity Severity { get; init; }

    /// <summary>Where it is in its life.</summary>
    public required IncidentState State { get; init; }

    /// <summary>Who has it; null until someone acknowledges or is assigned.</summary>
    public string? Owner { get; init; }

    /// <summary>The fingerprint of the signal that opened it; later signals with it join instead of opening another.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The service this one depends on whose own incident is the likely cause; null when none is known.</summary>
    public string? LikelyCause { get; init; }

    /// <summary>Deployments of the service shortly before it opened (deployment record ids with name and revision), as suspects.</summary>
    public IReadOnlyList<string> Suspects { get; init; } = [];

    /// <summary>
    /// The signals that opened or joined it, oldest first. The store keeps at most the latest 500
    /// (always the opening signal and the latest of each fingerprint); <see cref="SignalCount"/> counts them all.
    /// </summary>
    public IReadOnlyList<IncidentSignal> Signals { get; init; } = [];

    /// <summary>How many signals opened or joined it in all, including those the store no longer keeps.</summary>
    public int SignalCount { get; init; }

    /// <summary>Everything that happened to it, oldest first.</summary>
    public IReadOnlyList<IncidentTimelineEntry> Timeline { get; init; } = [];

    /// <summary>When the first signal was observed (the problem began, as far as the module knows).</summary>
    public required DateTimeOffset DetectedAt { get; init; }

    /// <summary>When it was opened.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>When it was first acknowledged; null until then.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>When it was first mitigated; null until then.</summary>
    public DateTimeOffset? MitigatedAt { get; init; }

    /// <summary>When it was resolved; null while open (cleared again when it reopens).</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Consecutive runs in which all its signals were clear; it resolves itself at the configured count.</summary>
    public int ClearRuns { get; init; }

    /// <summary>How many times it reopened after resolving.</summary>
    public int Reopened { get; init; }

    /// <summary>The escalation level reached (0 before the first); escalation state is kept beside it.</summary>
    public int EscalationLevel { get; init; }

    /// <summary>When it was last written.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>True until it is resolved.</summary>
    public bool IsOpen => State != IncidentState.Resolved;

    /// <inheritdoc />
    public override string ToString() => $"{Id} [{State}] {Title}";
}
