using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Incidents.Runbooks.Actions;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Runbooks;

/// <summary>The runbooks of one file, in the file's order (the first that matches an incident runs).</summary>
/// <param name="Path">The file they came from.</param>
/// <param name="Runbooks">The runbooks, in order.</param>
public sealed record RunbookFile(string Path, IReadOnlyList<Runbook> Runbooks);

/// <summary>A runbook: which incidents it is for, its steps in order, and how the result is verified.</summary>
public sealed record Runbook
{
    /// <summary>Its name, unique in its file.</summary>
    public required string Name { get; init; }

    /// <summary>Which incidents it matches.</summary>
    public required RunbookMatch Match { get; init; }

    /// <summary>The steps, in order.</summary>
    public required IReadOnlyList<RunbookStep> Steps { get; init; }

    /// <summary>
    /// The verification: a health gate bound from the file (Uri or Catalog given), or null with
    /// <see cref="VerifySection"/> set when it checks the incident's service in the run's catalog.
    /// </summary>
    public HealthGate? Verify { get; init; }

    /// <summary>The Verify section when its checks come from the run's catalog (-CatalogPath) and the incident's service; null otherwise.</summary>
    public ConfigurationMap? VerifySection { get; init; }

    /// <summary>True when the runbook has a verification step.</summary>
    public bool HasVerify => Verify is not null || VerifySection is not null;

    /// <summary>The file it came from.</summary>
    public required string Origin { get; init; }

    /// <summary>Its key path in the file, such as <c>Runbooks[1]</c>.</summary>
    public required string Path { get; init; }
}

/// <summary>Which incidents a runbook is for; every part given must hold.</summary>
public sealed record RunbookMatch
{
    /// <summary>Service names or wildcards (<c>web*</c>); empty matches any service.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];

    /// <summary>The lowest severity the incident must have; null for any.</summary>
    public HealthSeverity? Severity { get; init; }

    /// <summary>Signal kinds, one of which must be among the incident's signals; empty for any.</summary>
    public IReadOnlyList<IncidentSignalKind> SignalKinds { get; init; } = [];

    /// <summary>Fingerprint wildcards (<c>health:*</c>), one of which the incident's fingerprint must match; empty for any.</summary>
    public IReadOnlyList<string> Fingerprints { get; init; } = [];
}

/// <summary>A rate limit of an action on one target: at most <see cref="Count"/> runs in any <see cref="Window"/>, counted across runs.</summary>
/// <param name="Count">Runs allowed in a window.</param>
/// <param name="Window">The sliding window.</param>
public sealed record RunbookRateLimit(int Count, TimeSpan Window);

/// <summary>One step: an action with its arguments, when it runs, and what a failure does.</summary>
public sealed record RunbookStep
{
    /// <summary>Its name (the file's Name, else the action and its number).</summary>
    public required string Name { get; init; }

    /// <summary>The built-in action.</summary>
    public required IRunbookAction Action { get; init; }

    /// <summary>The action's arguments as written (placeholders such as <c>${Service}</c> expanded at run time).</summary>
    public required ConfigurationMap Arguments { get; init; }

    /// <summary>When it runs; null for always.</summary>
    public RunbookCondition? Condition { get; init; }

    /// <summary>Go on with the next step when this one fails. Default false: a failure stops the runbook and escalates.</summary>
    public bool ContinueOnError { get; init; }

    /// <summary>Its rate limit per target (the file's RateLimit, else the action's default).</summary>
    public required RunbookRateLimit RateLimit { get; init; }
}
