using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// A record as the JSON object a schema sees: written with Utf8JsonWriter and read back as a
/// pooled JsonDocument, which costs far less than building a JsonNode tree.
/// </summary>
internal static class RecordJson
{
    /// <param name="dateFields">Fields (by position) whose DateTimeOffset values are dates: written yyyy-MM-dd.</param>
    public static JsonDocument ToDocument(DataRecord record, bool[]? dateFields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var names = record.Shape.Names;
            for (var i = 0; i < names.Count; i++)
            {
                writer.WritePropertyName(names[i]);
                Write(writer, record.Values[i], dateFields is not null && dateFields[i]);
            }
            writer.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    private static void Write(Utf8JsonWriter writer, object? value, bool isDate)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                // JSON has no NaN or infinity: the schema sees the text and can refuse it.
                writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case DateTimeOffset t when isDate:
                writer.WriteStringValue(t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset t:
                writer.WriteStringValue(t);
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item, false);
                }
                writer.WriteEndObject();
                break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray();
                foreach (var item in list) Write(writer, item, false);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
