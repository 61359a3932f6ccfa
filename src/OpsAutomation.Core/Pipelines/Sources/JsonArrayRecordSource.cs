using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Records from a file holding one JSON array of objects, streamed element by element with a
/// <see cref="Utf8JsonReader"/> over chunks, so the file is never loaded whole. An element that is
/// not an object is a <see cref="SourceProblem"/>; a document that is not an array, or JSON that
/// breaks off, is a <see cref="DataSourceException"/> at <c>file:line:column</c>. Elements are
/// located as <c>file[index]</c> with the array index (0-based, as <c>jq '.[index]'</c> takes it).
/// </summary>
public sealed class JsonArrayRecordSource : FileRecordSource
{
    private readonly JsonSourceOptions _options;

    public JsonArrayRecordSource(string path, JsonSourceOptions? options = null)
        : base(path) => _options = JsonSourceOptions.Checked(options);

    public JsonArrayRecordSource(Func<Stream> open, string display, JsonSourceOptions? options = null)
        : base(open, display) => _options = JsonSourceOptions.Checked(options);

    private enum Step
    {
        Element,
        NeedMore,
        End,
    }

    /// <summary>Where the reader is between two chunks: its state and how far into the document it has come.</summary>
    private sealed class Cursor(JsonSourceOptions options)
    {
        public JsonReaderState State = new(new JsonReaderOptions { MaxDepth = options.MaxDepth + 1 });
        public bool InArray;
        public bool AfterArray;
        public bool BomChecked;
        public int ElementStart;
        public int ElementLength;
        public JsonTokenType ElementToken;
        public long Line = 1;
        public long Consumed;
        public long LineStart;
    }

    public override async IAsyncEnumerable<SourceItem> ReadAsync(long skip, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        var stream = OpenStream();
        await using var _ = stream.ConfigureAwait(false);
        using var window = new ByteWindow(_options.BufferSize, _options.MaxRecordBytes);
        var cursor = new Cursor(_options);
        var reader = new JsonRecordReader(_options.MaxDepth);
        var index = -1L;
        while (true)
        {
            var step = Next(window, cursor);
            if (step == Step.End) yield break;
            if (step == Step.NeedMore)
            {
                await FillAsync(window, stream, index + 1, cancellationToken).ConfigureAwait(false);
                continue;
            }
            index++;
            if (index < skip) continue;
            yield return Convert(reader, window, cursor, index);
        }
    }

    private Step Next(ByteWindow window, Cursor cursor)
    {
        if (!cursor.BomChecked)
        {
            if (window.Unread.Length < 3 && !window.Eof) return Step.NeedMore;
            if (window.Unread.StartsWith("\uFEFF"u8))
            {
                window.Start += 3;
                cursor.Consumed += 3;
            }
            cursor.BomChecked = true;
        }
        var json = new Utf8JsonReader(window.Unread, window.Eof, cursor.State);
        try
        {
            if (!cursor.InArray)
            {
                if (!json.Read()) return More(window, cursor, json);
                if (json.TokenType != JsonTokenType.StartArray)
                    throw Fatal(window, cursor, json, $"the document is a JSON {JsonRecordReader.Describe(json.TokenType)}, not an array of objects; is it JSON Lines?");
                Commit(window, cursor, ref json);
                cursor.InArray = true;
                json = new Utf8JsonReader(window.Unread, window.Eof, cursor.State);
            }
            if (cursor.AfterArray)
            {
                // Whitespace may follow the array; the reader itself rejects anything else.
                json.Read();
                return window.Eof ? Step.End : Step.NeedMore;
            }
            if (!json.Read()) return More(window, cursor, json);
            if (json.TokenType == JsonTokenType.EndArray)
            {
                Commit(window, cursor, ref json);
                cursor.AfterArray = true;
                return Next(window, cursor);
            }
            var start = (int)json.TokenStartIndex;
            var token = json.TokenType;
            // An element is read again from its start once the rest of it is in the buffer.
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray && !json.TrySkip()) return More(window, cursor, json);
            cursor.ElementStart = window.Start + start;
            cursor.ElementLength = (int)json.BytesConsumed - start;
            cursor.ElementToken = token;
            Commit(window, cursor, ref json);
            return Step.Element;
        }
        catch (JsonException e)
        {
            throw new DataSourceException(Name, Where((e.LineNumber ?? 0) + 1, (e.BytePositionInLine ?? 0) + 1),
                "invalid JSON: " + JsonRecordReader.TrimPosition(e.Message), e);
        }
    }

    /// <summary>Asks for more input, which at the end of the input means the document broke off.</summary>
    private Step More(ByteWindow window, Cursor cursor, Utf8JsonReader json) => window.Eof
        ? throw Fatal(window, cursor, json, cursor.InArray ? "the array is not closed: the input ends inside it." : "the file holds no JSON value; a JSON array of objects was expected.")
        : Step.NeedMore;

    private static void Commit(ByteWindow window, Cursor cursor, ref Utf8JsonReader json)
    {
        var consumed = (int)json.BytesConsumed;
        // Lines are counted here because the reader keeps its own line number internal.
        var text = window.Unread[..consumed];
        var lines = text.Count((byte)'\n');
        if (lines > 0)
        {
            cursor.Line += lines;
            cursor.LineStart = cursor.Consumed + text.LastIndexOf((byte)'\n') + 1;
        }
        cursor.Consumed += consumed;
        window.Start += consumed;
        cursor.State = json.CurrentState;
    }

    private DataSourceException Fatal(ByteWindow window, Cursor cursor, Utf8JsonReader json, string message)
    {
        var before = window.Unread[..(int)json.TokenStartIndex];
        var line = cursor.Line + before.Count((byte)'\n');
        var lastBreak = before.LastIndexOf((byte)'\n');
        var column = lastBreak >= 0 ? before.Length - lastBreak : cursor.Consumed + before.Length - cursor.LineStart + 1;
        return new DataSourceException(Name, Where(line, column), message);
    }

    private SourceItem Convert(JsonRecordReader reader, ByteWindow window, Cursor cursor, long index)
    {
        var position = index + 1;
        var location = string.Create(CultureInfo.InvariantCulture, $"{Display}[{index}]");
        var element = window.Buffer.AsSpan(cursor.ElementStart, cursor.ElementLength);
        if (cursor.ElementToken != JsonTokenType.StartObject)
            return new SourceProblem(position, location,
                $"element {index} is a JSON {JsonRecordReader.Describe(cursor.ElementToken)}, not an object.", Encoding.UTF8.GetString(element));
        var record = reader.Read(element, out var problem, out _);
        return record is { } r
            ? new DataRecord(r.Shape, r.Values, position, location)
            : new SourceProblem(position, location, $"element {index}: {problem}.", Encoding.UTF8.GetString(element));
    }

    private async ValueTask FillAsync(ByteWindow window, Stream stream, long index, CancellationToken cancellationToken)
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
            throw new DataSourceException(Name, string.Create(CultureInfo.InvariantCulture, $"{Display}[{index}]"),
                $"element {index} is longer than {_options.MaxRecordBytes} bytes (MaxRecordBytes).");
    }
}
