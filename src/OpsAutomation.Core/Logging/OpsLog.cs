using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace OpsAutomation.Core.Logging;

/// <summary>
/// The structured log of one invocation: ECS JSON lines tagged with the run id, redacted by
/// the run's <see cref="SecretRedactor"/>, to a rolling file, standard output and/or the
/// verbose stream. Disposing flushes every sink.
/// </summary>
public sealed class OpsLog : IDisposable
{
    public const string FileNamePrefix = "opsautomation-";

    private readonly Logger _logger;
    private readonly TimeProvider _time;

    public OpsLog(string runId, OpsLogOptions options, SecretRedactor redactor, TimeProvider? time = null)
    {
        RunId = runId;
        Redactor = redactor;
        _time = time ?? TimeProvider.System;
        var formatter = new EcsJsonFormatter(redactor);
        var configuration = new LoggerConfiguration().MinimumLevel.Is(ToSerilog(options.MinimumLevel));
        if (options.Directory is not null)
        {
            var file = options.Files?.Get(options.Directory, options.RetainedDays) ?? LogFile.Open(options.Directory, options.RetainedDays, owned: true);
            configuration.WriteTo.Sink(new FileSink(formatter, file));
        }
        if (options.Console is not null)
            configuration.WriteTo.Sink(new CallbackSink(formatter, options.Console));
        if (options.Verbose is { } verbose)
            configuration.WriteTo.Sink(new CallbackSink(new MessageOnlyFormatter(redactor), verbose));
        _logger = configuration.CreateLogger();
    }

    public string RunId { get; }

    public SecretRedactor Redactor { get; }

    public void Write(LogRecord record)
    {
        var properties = new List<LogEventProperty>(12)
        {
            Property("event.action", record.Action),
            Property("event.dataset", "opsautomation." + record.Action),
            Property("labels.run_id", RunId),
        };
        AddIfSet(properties, "event.outcome", record.Outcome);
        if (record.Duration is { } duration)
            properties.Add(new LogEventProperty("event.duration", new ScalarValue((long)(duration.Ticks * 100))));
        AddIfSet(properties, "service.name", record.ServiceName);
        AddIfSet(properties, "url.full", record.Url);
        AddIfSet(properties, "error.type", record.ErrorType);
        AddIfSet(properties, "error.message", record.ErrorMessage);
        foreach (var (key, value) in record.Labels ?? new Dictionary<string, string?>())
            AddIfSet(properties, "labels." + key, value);

        // The message is literal text, never a template: braces in a URL or error must not be parsed.
        var template = new MessageTemplate(record.Message, [new TextToken(record.Message)]);
        _logger.Write(new LogEvent(_time.GetUtcNow(), ToSerilog(record.Level), null, template, properties));
    }

    public void Dispose() => _logger.Dispose();

    private static LogEventProperty Property(string name, string value) => new(name, new ScalarValue(value));

    private static void AddIfSet(List<LogEventProperty> properties, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) properties.Add(Property(name, value));
    }

    private static LogEventLevel ToSerilog(OpsLogLevel level) => level switch
    {
        OpsLogLevel.Debug => LogEventLevel.Debug,
        OpsLogLevel.Warning => LogEventLevel.Warning,
        OpsLogLevel.Error => LogEventLevel.Error,
        _ => LogEventLevel.Information,
    };

    /// <summary>Formats each event as its ECS line, here with this run's redactor, and hands the line to the file.</summary>
    private sealed class FileSink(EcsJsonFormatter formatter, LogFile file) : ILogEventSink, IDisposable
    {
        public void Emit(LogEvent logEvent) => file.Write(logEvent.Timestamp, logEvent.Level, formatter.FormatLine(logEvent));

        // A file the runtime keeps stays open for the next run.
        public void Dispose()
        {
            if (file.Owned) file.Close();
        }
    }

    private sealed class MessageOnlyFormatter(SecretRedactor redactor) : Serilog.Formatting.ITextFormatter
    {
        public void Format(LogEvent logEvent, TextWriter output) => output.Write(redactor.Redact(logEvent.MessageTemplate.Text));
    }
}
