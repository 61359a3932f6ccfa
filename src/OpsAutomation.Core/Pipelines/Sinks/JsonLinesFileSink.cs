using System.Buffers;
using System.Text.Json;
using OpsAutomation.Core.State;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>A JSON Lines file: one object per record, fields in the record's order, nested values as JSON.</summary>
public sealed class JsonLinesFileSink(string path, PipelineCheckpointStore checkpoints, TimeProvider time, IReadOnlyList<string>? key = null)
    : FileSink(path, checkpoints, time, key)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    protected override Sources.IRecordSource ReadRecords(Func<Stream> open, string display, bool headerless) => new Sources.JsonLinesRecordSource(open, display);

    // One buffer and writer for the sink's life (one writer thread loads it): a new buffer per batch grew
    // to 256 KiB each time, on the large object heap, and caused a gen2 collection per batch or two.
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    // Writes into _buffer only, so it holds nothing to dispose.
    private Utf8JsonWriter? _writer;

    protected override async Task WriteRecordsAsync(Stream stream, IReadOnlyList<DataRecord> records, List<RefusedRecord> refused, CancellationToken cancellationToken)
    {
        var buffer = _buffer;
        buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        foreach (var record in records)
        {
            var start = buffer.WrittenCount;
            try
            {
                JsonRecordWriter.Write(writer, record);
                writer.Flush();
                buffer.Write("\n"u8);
            }
            catch (ArgumentException ex)
            {
                // Drop the half-written line: the writer's bytes are flushed into the buffer, so cut the buffer back.
                writer.Reset();
                var kept = buffer.WrittenSpan[..start].ToArray();
                buffer.ResetWrittenCount();
                buffer.Write(kept);
                writer.Reset(buffer);
                refused.Add(new RefusedRecord(record, ex.Message));
            }
            writer.Reset(buffer);
            if (buffer.WrittenCount > 1 << 20)
            {
                await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
            }
        }
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        buffer.ResetWrittenCount();
    }

}

/// <summary>A record as one JSON object; the same shape dead letters and lineage use.</summary>
public static class JsonRecordWriter
{
    /// <exception cref="ArgumentException">A value JSON cannot hold (NaN, an infinity), naming the field.</exception>
    public static void Write(Utf8JsonWriter writer, DataRecord record)
    {
        writer.WriteStartObject();
        for (var i = 0; i < record.Shape.Count; i++)
        {
            writer.WritePropertyName(record.Shape.Names[i]);
            WriteValue(writer, record.Values[i], record.Shape.Names[i]);
        }
        writer.WriteEndObject();
    }

    /// <summary>The record as a JSON text.</summary>
    public static string ToJson(DataRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            try
            {
                Write(writer, record);
            }
            catch (ArgumentException)
            {
                // Keep even what JSON cannot hold: a dead letter must never be lost for its own sake.
                writer.Reset();
                buffer.Clear();
                writer.Reset(buffer);
                writer.WriteStartObject();
                for (var i = 0; i < record.Shape.Count; i++)
                    writer.WriteString(record.Shape.Names[i], Convert.ToString(record.Values[i], System.Globalization.CultureInfo.InvariantCulture));
                writer.WriteEndObject();
            }
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, string field)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string text: writer.WriteStringValue(text); break;
            case bool flag: writer.WriteBooleanValue(flag); break;
            case long number: writer.WriteNumberValue(number); break;
            case int number: writer.WriteNumberValue(number); break;
            case decimal number: writer.WriteNumberValue(number); break;
            case double number when double.IsFinite(number): writer.WriteNumberValue(number); break;
            case double number: throw new ArgumentException($"Field '{field}' holds {number}, which JSON cannot represent.");
            case DateTimeOffset time: writer.WriteStringValue(time); break;
            case DateTime time: writer.WriteStringValue(time); break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item, field + "." + key);
                }
                writer.WriteEndObject();
                break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray();
                for (var i = 0; i < list.Count; i++) WriteValue(writer, list[i], $"{field}[{i}]");
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }
}
