using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Logging;

/// <summary>Where one invocation's log lines go.</summary>
public sealed record OpsLogOptions
{
    /// <summary>The folder of the daily rolling JSON file; null for no file.</summary>
    public string? Directory { get; init; }

    /// <summary>Days of files kept. Default 14.</summary>
    public int RetainedDays { get; init; } = 14;

    /// <summary>Least level written. Default Information.</summary>
    public OpsLogLevel MinimumLevel { get; init; } = OpsLogLevel.Information;

    /// <summary>Receives every JSON line as well (standard output on request); null for none.</summary>
    public Action<string>? Console { get; init; }

    /// <summary>Receives the readable message of every event (the PowerShell verbose stream); null for none.</summary>
    public Action<string>? Verbose { get; init; }

    /// <summary>The runtime's open log files, reused across runs; null to open the file for this log alone.</summary>
    public LogFiles? Files { get; init; }

    /// <summary>What every command logs to: the state directory's logs/ folder, standard output when asked, and <paramref name="verbose"/>.</summary>
    /// <param name="files">The runtime's open log files (<see cref="OpsRuntime.LogFiles"/>); null to open the file per log.</param>
    public static OpsLogOptions FromSettings(OpsSettings settings, Action<string>? verbose, LogFiles? files = null) => new()
    {
        Files = files,
        Directory = Path.Combine(settings.StatePath, "logs"),
        MinimumLevel = settings.LogLevel,
        Console = settings.LogToConsole ? System.Console.Out.WriteLine : null,
        Verbose = verbose,
    };
}
