namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>
/// One thing a diagnostics bundle collects (pod status, logs, a health check ...). The collector
/// runs every source at once, each under its own time limit, and redacts and caps what it returns;
/// a source that throws or does not finish in time is recorded, never fatal.
/// </summary>
public interface IDiagnosticSource
{
    /// <summary>A short stable name: the manifest's key and the file's stem (<c>pod-logs</c>).</summary>
    string Name { get; }

    /// <summary>The file it writes in the bundle (<c>pod-logs.txt</c>, <c>pod-status.json</c>).</summary>
    string FileName { get; }

    /// <summary>Collects; throws (any exception) when it cannot, throws <see cref="DiagnosticSkippedException"/> when it does not apply.</summary>
    Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken);
}

/// <summary>What a source collected: its file's text, and the findings a responder reads first in summary.md.</summary>
public sealed record DiagnosticContent(string Text)
{
    public IReadOnlyList<DiagnosticFinding> Findings { get; init; } = [];
}

/// <summary>The sections of summary.md, in the order a responder reads them.</summary>
public enum DiagnosticSection
{
    CrashReasons,
    Restarts,
    FailingChecks,
    LastLogLines,
    RecentDeployments,
    Events,
    Queries,
}

/// <summary>One line for summary.md under <paramref name="Section"/>, with quoted lines (log lines) below it when there are any.</summary>
public sealed record DiagnosticFinding(DiagnosticSection Section, string Text)
{
    /// <summary>Lines quoted verbatim (in a code block) below the finding.</summary>
    public IReadOnlyList<string> Lines { get; init; } = [];
}

/// <summary>The source does not apply to this service (no workload, no Prometheus, no queries): recorded as Skipped with the reason.</summary>
public sealed class DiagnosticSkippedException(string reason) : Exception(reason);

/// <summary>A source made of a name, a file and a delegate: for tests and one-off sources.</summary>
public sealed class DelegateDiagnosticSource(string name, string fileName, Func<CancellationToken, Task<DiagnosticContent>> collect) : IDiagnosticSource
{
    public string Name { get; } = name;

    public string FileName { get; } = fileName;

    public Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken) => collect(cancellationToken);
}
