namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>Limits of a diagnostics collection, each with its documented default.</summary>
public sealed record DiagnosticsOptions
{
    /// <summary>How long each source may run; one that takes longer is TimedOut and the rest go on. Default 15 s, 1 s to 10 min.</summary>
    public TimeSpan SourceTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The most a source keeps, in bytes of UTF-8; more is cut with a marker. Default 1 MiB, 1 KiB to 64 MiB.</summary>
    public int MaxSourceBytes { get; init; } = 1024 * 1024;

    /// <summary>The last lines of each container's log (and of its previous instance) kept, as Robusta's crash report. Default 100, 1 to 10,000.</summary>
    public int LogTailLines { get; init; } = 100;

    /// <summary>The most read of one container log, in bytes (the API's limitBytes). Default 256 KiB.</summary>
    public int LogBytes { get; init; } = 256 * 1024;

    /// <summary>The recent health results read from the history. Default 50.</summary>
    public int HealthHistoryLimit { get; init; } = 50;

    /// <summary>The recent deployment records read. Default 10.</summary>
    public int DeploymentRecordLimit { get; init; } = 10;

    /// <summary>Log lines quoted per container in summary.md. Default 10.</summary>
    public int SummaryLogLines { get; init; } = 10;

    public void Validate()
    {
        if (SourceTimeout < TimeSpan.FromSeconds(1) || SourceTimeout > TimeSpan.FromMinutes(10))
            throw new ArgumentOutOfRangeException(nameof(SourceTimeout), SourceTimeout, "The source timeout must be between 1 second and 10 minutes.");
        if (MaxSourceBytes is < 1024 or > 64 * 1024 * 1024)
            throw new ArgumentOutOfRangeException(nameof(MaxSourceBytes), MaxSourceBytes, "The size cap of a source must be between 1 KiB and 64 MiB.");
        if (LogTailLines is < 1 or > 10_000)
            throw new ArgumentOutOfRangeException(nameof(LogTailLines), LogTailLines, "The log tail must be between 1 and 10,000 lines.");
        if (LogBytes is < 1024 or > 16 * 1024 * 1024)
            throw new ArgumentOutOfRangeException(nameof(LogBytes), LogBytes, "The log read limit must be between 1 KiB and 16 MiB.");
        ArgumentOutOfRangeException.ThrowIfLessThan(HealthHistoryLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(DeploymentRecordLimit, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(SummaryLogLines);
    }
}
