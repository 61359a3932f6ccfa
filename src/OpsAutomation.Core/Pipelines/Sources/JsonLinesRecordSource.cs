using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Records from a JSON Lines file: one object per line, blank lines skipped (they take no
/// position). A line that is not valid UTF-8, not valid JSON, or not an object is a
/// <see cref="SourceProblem"/> located <c>file:line:column</c>; records are located <c>file:line</c>.
/// </summary>
public sealed class JsonLinesRecordSource : FileRecordSource
{
    private static readonly SearchValues<byte> JsonWhitespace = SearchValues.Create(" \t\r\n"u8);

    private readonly JsonSourceOptions _options;

    public JsonLinesRecordSource(string path, JsonSourceOptions? options = null)
        : base(path) => _options = JsonSourceOptions.Checked(options);

    public JsonLinesRecordSource(Func<Stream> open, string display, JsonSourceOptions? options = null)
        : base(open, display) => _options = JsonSourceOptions.Checked(options);

    public override async IAsyncEnumerable<SourceItem> ReadAsync(long skip, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        var stream = OpenStream();
        await using var _ = stream.ConfigureAwait(false);
        using var window = new ByteWindow(_options.BufferSize, _options.MaxRecordBytes);
        var reader = new JsonRecordReader(_options.MaxDepth);
        var line = 0L;
        var position = 0L;
        var first = true;
        while (true)
        {
            var end = window.Unread.IndexOf((byte)'\n');
            if (end < 0 && !window.Eof)
            {
                await FillAsync(window, stream, line + 1, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (end < 0 && window.Unread.IsEmpty) yield break;

            var length = end < 0 ? window.Unread.Length : end;
            var start = window.Start;
            window.Start += end < 0 ? length : length + 1;
            line++;
            if (first)
            {
                first = false;
                if (window.Buffer.AsSpan(start, length).StartsWith("\uFEFF"u8))
                {
                    start += 3;
                    length -= 3;
                }
            }
            if (length > 0 && window.Buffer[start + length - 1] == (byte)'\r') length--;
            if (window.Buffer.AsSpan(start, length).IndexOfAnyExcept(JsonWhitespace) < 0) continue;

            position++;
            if (position <= skip) continue;
            yield return ReadLine(reader, window.Buffer.AsSpan(start, length), position, line);
        }
    }

    private SourceItem ReadLine(JsonRecordReader reader, ReadOnlySpan<byte> text, long position, long line)
    {
        if (TextEncodings.InvalidUtf8Offset(text) is var offset and >= 0)
        {
            return new SourceProblem(position, Where(line, offset + 1),
                $"bytes that are not valid UTF-8 on line {line}, byte column {offset + 1}.", Encoding.UTF8.GetString(text));
        }
        var record = reader.Read(text, out var problem, out var problemOffset);
        if (record is { } r)
            return new DataRecord(r.Shape, r.Values, position, Display, line);
        var location = problemOffset >= 0 ? Where(line, problemOffset + 1) : Where(line);
        var column = problemOffset >= 0 ? $", byte column {problemOffset + 1}" : "";
        return new SourceProblem(position, location, $"line {line}{column}: {problem}.", Encoding.UTF8.GetString(text));
    }

    private async ValueTask FillAsync(ByteWindow window, Stream stream, long line, CancellationToken cancellationToken)
    {
        bool filled;
        try
        {
            filled = await window.FillAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw ReadFailure(e);
        }
        if (!filled)
            throw new DataSourceException(Name, Where(line), $"line {line} is longer than {_options.MaxRecordBytes} bytes (MaxRecordBytes).");
    }
}
