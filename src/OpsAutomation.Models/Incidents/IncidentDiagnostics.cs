namespace OpsAutomation.Models.Incidents;

/// <summary>How one diagnostics source ended.</summary>
public enum DiagnosticSourceStatus
{
    /// <summary>It collected what it was asked for; its file is in the bundle.</summary>
    Succeeded,

    /// <summary>It failed (an API error, no answer, no permission); the error says why.</summary>
    Failed,

    /// <summary>It did not finish within its time limit; what it had is not kept.</summary>
    TimedOut,

    /// <summary>It did not apply (no Kubernetes workload, no Prometheus, no queries in the catalog).</summary>
    Skipped,
}

/// <summary>One source of a diagnostics bundle: how it went, how long it took and what it left in the bundle.</summary>
public sealed record DiagnosticSourceResult
{
    /// <summary>The source's name, such as <c>pod-logs</c> or <c>prometheus-queries</c>.</summary>
    public required string Name { get; init; }

    /// <summary>How it ended.</summary>
    public required DiagnosticSourceStatus Status { get; init; }

    /// <summary>How long it ran (its time limit when it timed out).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Its file in the bundle, relative to the bundle; null when it left none.</summary>
    public string? File { get; init; }

    /// <summary>Why it failed, timed out or was skipped, already redacted; null when it succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>The size of its file in bytes (0 without one).</summary>
    public long Bytes { get; init; }

    /// <summary>True when its output reached the size cap and was cut there.</summary>
    public bool Truncated { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Status}";
}

/// <summary>
/// A diagnostics bundle written for an incident (or a service): where it is, what each source
/// collected, and how many succeeded. Save-IncidentDiagnostics emits it.
/// </summary>
public sealed record IncidentDiagnostics
{
    /// <summary>The bundle: a folder holding manifest.json, summary.md and one file per source, or that folder as a .zip.</summary>
    public required string Path { get; init; }

    /// <summary>The incident it belongs to; null when it was collected for a service alone.</summary>
    public string? IncidentId { get; init; }

    /// <summary>The service it is about, as the catalog names it.</summary>
    public required string Service { get; init; }

    /// <summary>When the collection started.</summary>
    public required DateTimeOffset CollectedAt { get; init; }

    /// <summary>Every source, in the order they were planned.</summary>
    public IReadOnlyList<DiagnosticSourceResult> Sources { get; init; } = [];

    /// <summary>Sources that collected what they were asked for.</summary>
    public int Succeeded => Sources.Count(s => s.Status == DiagnosticSourceStatus.Succeeded);

    /// <summary>Sources that failed or timed out (skipped ones are neither).</summary>
    public int Failed => Sources.Count(s => s.Status is DiagnosticSourceStatus.Failed or DiagnosticSourceStatus.TimedOut);

    /// <summary>True when the bundle is a zip file.</summary>
    public bool Zip { get; init; }

    /// <summary>True when the bundle went on the incident's timeline.</summary>
    public bool Attached { get; init; }

    /// <summary>When the bundle was written.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Path} ({Succeeded} succeeded, {Failed} failed)";
}
