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
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("@timestamp", logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
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
        }
        output.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Write('\n');
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
