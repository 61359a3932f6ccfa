using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.DeadLetters;

/// <summary>A dead letter as one line of JSON: every field, camelCase, times in ISO 8601 UTC, the record as a string.</summary>
internal static class DeadLetterJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A writer for <see cref="Write"/> into <paramref name="buffer"/>.</summary>
    public static Utf8JsonWriter CreateWriter(ArrayBufferWriter<byte> buffer) => new(buffer, WriterOptions);

    /// <summary>Appends <paramref name="letter"/> and a newline to <paramref name="buffer"/>.</summary>
    public static void Write(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, DeadLetter letter)
    {
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteNumber("id", letter.Id);
        writer.WriteString("pipeline", letter.Pipeline);
        writer.WriteString("step", letter.Step);
        writer.WriteString("runId", letter.RunId);
        writer.WriteString("stage", letter.Stage.ToString());
        writer.WriteNumber("position", letter.Position);
        writer.WriteString("location", letter.Location);
        writer.WriteString("error", letter.Error);
        writer.WriteNumber("attempts", letter.Attempts);
        writer.WriteString("record", letter.Record);
        writer.WriteString("createdAt", Format(letter.CreatedAt));
        if (letter.ReplayedAt is { } replayed) writer.WriteString("replayedAt", Format(replayed));
        else writer.WriteNull("replayedAt");
        if (letter.ReplayRunId is { } replayRun) writer.WriteString("replayRunId", replayRun);
        else writer.WriteNull("replayRunId");
        // Only while a replay holds the letter: a letter at rest has the fields above, no more.
        if (letter.ClaimRunId is { } claim) writer.WriteString("claimRunId", claim);
        if (letter.ClaimPosition is { } position) writer.WriteNumber("claimPosition", position);
        writer.WriteEndObject();
        writer.Flush();
        buffer.Write("\n"u8);
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static bool TryParse(ReadOnlyMemory<byte> line, out DeadLetter? letter)
    {
        try
        {
            letter = Parse(line, "", 0);
            return true;
        }
        catch (DeadLetterFileException)
        {
            letter = null;
            return false;
        }
    }

    /// <exception cref="DeadLetterFileException">The line is not a dead letter, naming the file, the line and what is wrong.</exception>
    public static DeadLetter Parse(ReadOnlyMemory<byte> line, string path, long number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"a dead letter is a JSON object, not {root.ValueKind.ToString().ToLowerInvariant()}");
            return new DeadLetter
            {
                Id = Number(root, "id"),
                Pipeline = String(root, "pipeline"),
                Step = String(root, "step"),
                RunId = String(root, "runId"),
                Stage = Stage(root),
                Position = Number(root, "position"),
                Location = String(root, "location"),
                Error = String(root, "error"),
                Attempts = Attempts(root),
                Record = String(root, "record"),
                CreatedAt = Time(root, "createdAt") ?? throw new FormatException("'createdAt' is missing"),
                ReplayedAt = Time(root, "replayedAt"),
                ReplayRunId = OptionalString(root, "replayRunId"),
                ClaimRunId = OptionalString(root, "claimRunId"),
                ClaimPosition = root.TryGetProperty("claimPosition", out var position) && position.ValueKind != JsonValueKind.Null ? Number(root, "claimPosition") : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            var reason = ex is JsonException json ? $"not JSON ({json.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.')})" : ex.Message;
            throw new DeadLetterFileException($"not a dead letter: {reason}. Fix or remove the line.", path, DeadLetterFileProblem.Invalid, number, ex);
        }
    }

    private static string String(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? throw new FormatException($"'{name}' is missing")
        : value.ValueKind == JsonValueKind.String ? value.GetString()!
        : throw new FormatException($"'{name}' must be a string, not {value.ValueKind.ToString().ToLowerInvariant()}");

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? String(root, name) : null;

    private static long Number(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? throw new FormatException($"'{name}' is missing")
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number
        : throw new FormatException($"'{name}' must be a whole number, not {value.GetRawText()}");

    private static PipelineStage Stage(JsonElement root)
    {
        var stage = String(root, "stage");
        return Enum.GetNames<PipelineStage>().FirstOrDefault(n => n.Equals(stage, StringComparison.OrdinalIgnoreCase)) is { } known
            ? Enum.Parse<PipelineStage>(known)
            : throw new FormatException($"'stage' is '{stage}'; use one of {string.Join(", ", Enum.GetNames<PipelineStage>())}");
    }

    private static int Attempts(JsonElement root)
    {
        var attempts = Number(root, "attempts");
        return attempts is >= 0 and <= int.MaxValue ? (int)attempts : throw new FormatException($"'attempts' must be 0 or more, not {attempts}");
    }

    private static DateTimeOffset? Time(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? time
        : throw new FormatException($"'{name}' must be an ISO 8601 time, not {value.GetRawText()}");
}
