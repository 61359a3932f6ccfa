using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Serilog.Events;
using Serilog.Formatting;

namespace OpsAutomation.Core.Logging;

/// <summary>
/// Writes each event as one JSON line with Elastic Common Schema field names, so Filebeat and
/// Elastic Agent ingest it as it is. Every string passes through the redactor on the way out.
/// </summary>
internal sealed class EcsJsonFormatter : ITextFormatter
{
    internal const string EcsVersion = "8.11.0";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SecretRedactor _redactor;

    public EcsJsonFormatter(SecretRedactor redactor) => _redactor = redactor;

    public void Format(LogEvent logEvent, TextWriter output)
    {
        var (chars, length) = FormatChars(logEvent);
        output.Write(chars, 0, length);
    }

    /// <summary>The event's line, its newline included.</summary>
    public string FormatLine(LogEvent logEvent)
    {
        var (chars, length) = FormatChars(logEvent);
        return new string(chars, 0, length);
    }

    /// <summary>The line in the thread's buffer, valid until the thread's next call.</summary>
    private (char[] Chars, int Length) FormatChars(LogEvent logEvent)
    {
        // One line per check: the buffers are the thread's own and reused, not allocated per line (Format is never re-entered on a thread).
        var buffers = t_buffers ??= new LineBuffers();
        var json = buffers.Json;
        json.Reset(buffers.Bytes);
        json.WriteStartObject();
        Span<char> timestamp = stackalloc char[24];
        logEvent.Timestamp.UtcDateTime.TryFormat(timestamp, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteString("@timestamp", timestamp[..written]);
        json.WriteString("log.level", LevelName(logEvent.Level));
        json.WriteString("message", _redactor.Redact(logEvent.MessageTemplate.Text));
        json.WriteString("ecs.version", EcsVersion);
        foreach (var (name, value) in logEvent.Properties)
        {
            if (value is not ScalarValue scalar || scalar.Value is null) continue;
            switch (scalar.Value)
            {
                case long number:
                    json.WriteNumber(name, number);
                    break;
                default:
                    var text = scalar.Value.ToString() ?? "";
                    json.WriteString(name, name.StartsWith("labels.", StringComparison.Ordinal) && SecretRedactor.IsSensitiveName(name)
                        ? SecretRedactor.Mask
                        : _redactor.Redact(text));
                    break;
            }
        }
        json.WriteEndObject();
        json.Flush();
        var bytes = buffers.Bytes.WrittenSpan;
        var chars = buffers.Chars(System.Text.Encoding.UTF8.GetMaxCharCount(bytes.Length) + 1);
        var length = System.Text.Encoding.UTF8.GetChars(bytes, chars);
        chars[length] = '\n';
        buffers.Bytes.ResetWrittenCount();
        // A rare huge line (a long error) must not pin its buffer to the thread.
        if (buffers.Bytes.Capacity > LineBuffers.KeptBytes) t_buffers = null;
        return (chars, length + 1);
    }

    [ThreadStatic]
    private static LineBuffers? t_buffers;

    private sealed class LineBuffers
    {
        internal const int KeptBytes = 64 * 1024;

        private char[] _chars = new char[1024];

        public ArrayBufferWriter<byte> Bytes { get; } = new(1024);

        public Utf8JsonWriter Json { get; }

        public LineBuffers() => Json = new Utf8JsonWriter(Bytes, WriterOptions);

        public char[] Chars(int length)
        {
            if (_chars.Length < length) _chars = new char[Math.Max(length, _chars.Length * 2)];
            return _chars;
        }
    }

    internal static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "info",
        LogEventLevel.Warning => "warn",
        LogEventLevel.Error => "error",
        _ => "fatal",
    };
}
