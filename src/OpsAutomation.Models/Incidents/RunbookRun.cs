namespace OpsAutomation.Models.Incidents;

/// <summary>How one runbook step ended.</summary>
public enum RunbookStepOutcome
{
    /// <summary>The action ran and did what it was asked.</summary>
    Succeeded,

    /// <summary>The action ran (or tried to) and failed; the message says why.</summary>
    Failed,

    /// <summary>Not run: its condition did not hold, or an earlier step failed and stopped the runbook.</summary>
    Skipped,

    /// <summary>Not run: a high-impact action without approval, or a confirmation answered no.</summary>
    Refused,

    /// <summary>Not run: the action already ran on this target as often as its rate limit allows (across runs).</summary>
    RateLimited,

    /// <summary>Not run: -WhatIf; the message says what it would do.</summary>
    WhatIf,
}

/// <summary>One step of a runbook run: which action on what, how it ended, and how long it took.</summary>
public sealed record RunbookStepResult
{
    /// <summary>The step's name (its Name in the runbook file, else the action and its position).</summary>
    public required string Step { get; init; }

    /// <summary>The built-in action, such as RestartDeployment.</summary>
    public required string Action { get; init; }

    /// <summary>What it acts on, such as <c>deployment shop/web</c>, <c>directory /var/log/app</c> or a webhook's host.</summary>
    public required string Target { get; init; }

    /// <summary>How it ended.</summary>
    public required RunbookStepOutcome Outcome { get; init; }

    /// <summary>One line for people: what was done, would be done, or why not.</summary>
    public required string Message { get; init; }

    /// <summary>True for actions that need approval in a non-interactive run (rollback, pod deletion, scale to 0, directory cleaning, scripts).</summary>
    public bool HighImpact { get; init; }

    /// <summary>How long the step took (zero when not run).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When it ended.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Step}: {Outcome} ({Target})";
}

/// <summary>
/// One runbook run against one incident (Invoke-IncidentRunbook): its steps in order, whether the
/// verification found the service healthy, and whether the incident needs a person.
/// </summary>
public sealed record RunbookRun
{
    /// <summary>The incident the runbook ran for.</summary>
    public required string IncidentId { get; init; }

    /// <summary>The runbook's name.</summary>
    public required string Runbook { get; init; }

    /// <summary>The incident's service.</summary>
    public required string Service { get; init; }

    /// <summary>The steps in order, including those skipped, refused, rate-limited or previewed.</summary>
    public IReadOnlyList<RunbookStepResult> Steps { get; init; } = [];

    /// <summary>True when the verification passed, false when it failed; null when it did not run (no Verify, -WhatIf, or a step stopped the runbook).</summary>
    public bool? Verified { get; init; }

    /// <summary>What the verification found, or why it did not run.</summary>
    public string? Verification { get; init; }

    /// <summary>True when the remediation failed or was not verified: the incident's timeline carries the escalate marker.</summary>
    public bool NeedsEscalation { get; init; }

    /// <summary>True under -WhatIf: nothing was changed and nothing was written.</summary>
    public bool WhatIf { get; init; }

    /// <summary>The run id that ties the run's log lines, timeline entries and records together.</summary>
    public string? RunId { get; init; }

    /// <summary>How long the run took, verification included.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When it ended.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Steps that succeeded.</summary>
    public int Succeeded => Steps.Count(s => s.Outcome == RunbookStepOutcome.Succeeded);

    /// <summary>Steps that failed.</summary>
    public int Failed => Steps.Count(s => s.Outcome == RunbookStepOutcome.Failed);

    /// <inheritdoc />
    public override string ToString() => $"{IncidentId} {Runbook}: {Succeeded} of {Steps.Count} steps succeeded{(NeedsEscalation ? ", escalate" : "")}";
}
