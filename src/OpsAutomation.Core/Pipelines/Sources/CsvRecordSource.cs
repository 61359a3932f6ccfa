using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Records from a CSV file, streamed: a byte-level RFC 4180 parser over large chunks, strings made
/// only for the values. A record whose field count differs from the header's, or whose bytes are
/// invalid in the declared encoding, is a <see cref="SourceProblem"/>; an unterminated quote at the
/// end of the input, a missing file or an unusable header is a <see cref="DataSourceException"/>.
/// Each record's location is <c>file:line</c>, the physical line it starts on.
/// </summary>
public sealed class CsvRecordSource : FileRecordSource
{
    private readonly CsvSourceOptions _options;
    private readonly Encoding _encoding;

    /// <summary>Reads the file at <paramref name="path"/>; locations name it as given.</summary>
    public CsvRecordSource(string path, CsvSourceOptions? options = null)
        : base(path)
    {
        (_options, _encoding) = Prepare(options);
    }

    /// <summary>Reads the stream <paramref name="open"/> returns (once per read); <paramref name="display"/> names it in locations.</summary>
    public CsvRecordSource(Func<Stream> open, string display, CsvSourceOptions? options = null)
        : base(open, display)
    {
        (_options, _encoding) = Prepare(options);
    }

    private static (CsvSourceOptions, Encoding) Prepare(CsvSourceOptions? options)
    {
        options ??= new CsvSourceOptions();
        options.Validate();
        return (options, options.ResolveEncoding());
    }

    public override async IAsyncEnumerable<SourceItem> ReadAsync(long skip, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        var transcoded = !TextEncodings.IsUtf8(_encoding);
        var stream = Open(transcoded);
        await using var _ = stream.ConfigureAwait(false);
        using var parser = new CsvParser(_options, transcoded, Name, Display);
        var emptyUnquoted = _options.EmptyFieldAsNull ? null : "";
        RecordShape? shape = _options.FieldNames is { } names && !_options.HasHeader ? new RecordShape(names) : null;
        var position = 0L;
        FieldStringPool? pool = null;
        while (true)
        {
            var step = parser.Next();
            if (step == CsvStep.NeedMore)
            {
                await FillAsync(parser, stream, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (step == CsvStep.End) yield break;
            if (step == CsvStep.BlankLine && _options.SkipBlankLines) continue;
            if (shape is null)
            {
                shape = ReadHeader(parser);
                continue;
            }

            position++;
            if (position <= skip) continue;
            var problem = Check(parser, shape, position);
            if (problem is not null)
            {
                yield return problem;
                continue;
            }

            var fields = parser.Fields;
            var values = new object?[fields.Length];
            pool ??= new FieldStringPool(fields.Length);
            for (var i = 0; i < fields.Length; i++)
            {
                ref readonly var field = ref fields[i];
                values[i] = field.Length == 0 ? (field.Quoted ? "" : emptyUnquoted)
                    : field.HasDoubledQuotes ? Unquote(parser.FieldBytes(field))
                    : pool.Get(i, parser.FieldBytes(field));
            }
            yield return new DataRecord(shape, values, position, Display, parser.RecordLine);
        }
    }

    private Stream Open(bool transcoded)
    {
        var stream = OpenStream();
        return transcoded ? new Utf8TranscodingStream(stream, _encoding, _options.BufferSize) : stream;
    }

    private async ValueTask FillAsync(CsvParser parser, Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            await parser.FillAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw ReadFailure(e);
        }
    }

    private RecordShape ReadHeader(CsvParser parser)
    {
        var where = Where(parser.RecordLine);
        if (parser.StrayAfterQuote >= 0)
            throw new DataSourceException(Name, Locate(parser, parser.StrayAfterQuote), "the header row has text after a closing quote.");
        if (TextEncodings.InvalidUtf8Offset(parser.RecordBytes) is var bad and >= 0)
        {
            var hint = parser.RecordBytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || parser.RecordBytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
                ? " The file starts with a UTF-16 byte order mark: set the encoding to utf-16 (or utf-16BE)." : "";
            throw new DataSourceException(Name, Locate(parser, bad), $"the header row has bytes that are not valid {_encoding.WebName}.{hint}");
        }
        if (_options.FieldNames is { } names) return new RecordShape(names);
        var header = new string[parser.FieldCount];
        for (var i = 0; i < header.Length; i++)
        {
            var field = parser.Fields[i];
            header[i] = field.HasDoubledQuotes ? Unquote(parser.FieldBytes(field)) : Encoding.UTF8.GetString(parser.FieldBytes(field));
        }
        try
        {
            return new RecordShape(header);
        }
        catch (ArgumentException e)
        {
            throw new DataSourceException(Name, where, $"the header row cannot name the fields: {e.Message.Split(" (Parameter")[0]}", e);
        }
    }

    private SourceProblem? Check(CsvParser parser, RecordShape shape, long position)
    {
        if (parser.StrayAfterQuote >= 0)
        {
            var (line, column) = parser.Locate(parser.StrayAfterQuote);
            return Problem(parser, position, Locate(parser, parser.StrayAfterQuote),
                $"text after a closing quote on line {line}, {parser.ColumnName} {column}; a quote inside a quoted field must be doubled.");
        }
        if (TextEncodings.InvalidUtf8Offset(parser.RecordBytes) is var bad and >= 0)
        {
            var (line, column) = parser.Locate(bad);
            return Problem(parser, position, Locate(parser, bad),
                $"bytes that are not valid {_encoding.WebName} on line {line}, {parser.ColumnName} {column}.");
        }
        if (parser.FieldCount != shape.Count)
            return Problem(parser, position, Where(parser.RecordLine),
                $"{parser.FieldCount} fields where {shape.Count} are expected.");
        return null;
    }

    private static SourceProblem Problem(CsvParser parser, long position, string location, string reason) =>
        new(position, location, reason, parser.RecordText());

    private string Unquote(ReadOnlySpan<byte> escaped)
    {
        var quote = (byte)_options.Quote;
        Span<byte> pair = [quote, quote];
        var rented = ArrayPool<byte>.Shared.Rent(escaped.Length);
        try
        {
            var length = 0;
            int at;
            while ((at = escaped.IndexOf(pair)) >= 0)
            {
                escaped[..(at + 1)].CopyTo(rented.AsSpan(length));
                length += at + 1;
                escaped = escaped[(at + 2)..];
            }
            escaped.CopyTo(rented.AsSpan(length));
            length += escaped.Length;
            return Encoding.UTF8.GetString(rented, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private string Locate(CsvParser parser, int offset)
    {
        var (line, column) = parser.Locate(offset);
        return Where(line, column);
    }
}
