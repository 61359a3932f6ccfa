using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace OpsAutomation.Core.Logging;

/// <summary>
/// The daily rolling JSON log files of one runtime, each folder's opened once and kept open:
/// opening one costs about 15 ms of CPU (the file sink compiles a regular expression to find
/// the day's files), which every cmdlet invocation would pay otherwise. Lines arrive formatted
/// and redacted by each run's <see cref="OpsLog"/>, so runs with different secrets share a
/// file safely. A file deleted since (its folder removed while the module stayed loaded) is
/// opened afresh, as the state store is.
/// </summary>
public sealed class LogFiles : IDisposable
{
    private readonly ConcurrentDictionary<(string Directory, int RetainedDays), LogFile> _files = new();
    private readonly List<LogFile> _retired = [];
    private readonly object _gate = new();
    private bool _disposed;

    internal LogFile Get(string directory, int retainedDays)
    {
        var key = (Path.GetFullPath(directory), retainedDays);
        if (_files.TryGetValue(key, out var file) && file.IsCurrent) return file;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_files.TryGetValue(key, out file))
            {
                if (file.IsCurrent) return file;
                // A run may still write to it: it is disposed with the runtime, not now.
                _retired.Add(file);
            }
            file = LogFile.Open(key.Item1, retainedDays, owned: false);
            _files[key] = file;
            return file;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var file in _files.Values.Concat(_retired)) file.Close();
            _files.Clear();
            _retired.Clear();
        }
    }
}

/// <summary>One folder's daily rolling file (shared with other processes), taking lines already formatted.</summary>
internal sealed class LogFile
{
    private readonly Logger _logger;
    private readonly string _directory;
    private string? _lastPath;

    private LogFile(Logger logger, string directory, bool owned)
    {
        _logger = logger;
        _directory = directory;
        Owned = owned;
    }

    /// <summary>Opened for one <see cref="OpsLog"/> alone, which closes it.</summary>
    public bool Owned { get; }

    /// <summary>False once the file last written (or, before any, the folder) is gone.</summary>
    public bool IsCurrent => Volatile.Read(ref _lastPath) is { } path
        // Around midnight the sink may have rolled already: the new day's file counts too.
        ? File.Exists(path) || File.Exists(DayFile(DateTime.Now)) || File.Exists(DayFile(DateTime.UtcNow))
        : Directory.Exists(_directory);

    public static LogFile Open(string directory, int retainedDays, bool owned)
    {
        var logger = new LoggerConfiguration().MinimumLevel.Verbose()
            .WriteTo.File(RawLine.Instance, Path.Combine(directory, OpsLog.FileNamePrefix + ".json"),
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: retainedDays, shared: true)
            .CreateLogger();
        return new LogFile(logger, directory, owned);
    }

    /// <param name="line">One formatted line, its newline included.</param>
    public void Write(DateTimeOffset timestamp, LogEventLevel level, string line)
    {
        _logger.Write(new LogEvent(timestamp, level, null, new MessageTemplate(line, [new TextToken(line)]), []));
        Volatile.Write(ref _lastPath, DayFile(DateTime.Now));
    }

    /// <summary>The file of <paramref name="day"/> as the rolling sink names it.</summary>
    private string DayFile(DateTime day) =>
        Path.Combine(_directory, OpsLog.FileNamePrefix + day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) + ".json");

    public void Close() => _logger.Dispose();

    private sealed class RawLine : ITextFormatter
    {
        public static readonly RawLine Instance = new();

        public void Format(LogEvent logEvent, TextWriter output) => output.Write(logEvent.MessageTemplate.Text);
    }
}
