using System.Buffers;
using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Pipelines.Sources;

internal enum CsvStep
{
    Record,
    BlankLine,
    NeedMore,
    End,
}

/// <summary>One field of the current record: where its bytes are in the parser's buffer.</summary>
internal struct CsvField
{
    public int Start;
    public int Length;
    public bool Quoted;
    public bool HasDoubledQuotes;
}

/// <summary>
/// RFC 4180 tokenizer over UTF-8 bytes in one growable buffer. <see cref="Next"/> finds the next
/// complete record without copying or decoding it; a record cut by the end of the buffer is parsed
/// again from its start once <see cref="FillAsync"/> has read more (the buffer doubles when one
/// record fills it), so the parser holds no state between records but the line number.
/// </summary>
internal sealed class CsvParser : IDisposable
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    private readonly byte _delimiter;
    private readonly byte _quote;
    private readonly SearchValues<byte> _fieldEnds;
    private readonly int _maxRecordBytes;
    private readonly bool _columnsInCharacters;
    private readonly string _sourceName;
    private readonly string _display;

    private readonly ByteWindow _window;
    private bool _bomChecked;
    private long _line = 1;
    private CsvField[] _fields = new CsvField[16];

    public CsvParser(CsvSourceOptions options, bool columnsInCharacters, string sourceName, string display)
    {
        _delimiter = (byte)options.Delimiter;
        _quote = (byte)options.Quote;
        _fieldEnds = SearchValues.Create([_delimiter, Cr, Lf]);
        _maxRecordBytes = options.MaxRecordBytes;
        _columnsInCharacters = columnsInCharacters;
        _sourceName = sourceName;
        _display = display;
        _window = new ByteWindow(options.BufferSize, options.MaxRecordBytes);
    }

    /// <summary>The fields of the record <see cref="Next"/> found, valid until the next call.</summary>
    public ReadOnlySpan<CsvField> Fields => _fields.AsSpan(0, FieldCount);

    public int FieldCount { get; private set; }

    /// <summary>The physical line the record starts on (1-based).</summary>
    public long RecordLine { get; private set; }

    /// <summary>The record's bytes without its line end.</summary>
    public ReadOnlySpan<byte> RecordBytes => _window.Buffer.AsSpan(_recordStart, _recordEnd - _recordStart);

    /// <summary>Offset in <see cref="RecordBytes"/> of text after a closing quote, or -1.</summary>
    public int StrayAfterQuote { get; private set; } = -1;

    private int _recordStart;
    private int _recordEnd;

    public ReadOnlySpan<byte> FieldBytes(in CsvField field) => _window.Buffer.AsSpan(field.Start, field.Length);

    public CsvStep Next()
    {
        if (!_bomChecked)
        {
            if (_window.Unread.Length < 3 && !_window.Eof) return CsvStep.NeedMore;
            if (_window.Unread.StartsWith("\uFEFF"u8)) _window.Start += 3;
            _bomChecked = true;
        }
        var pos = _window.Start;
        var end = _window.End;
        var eof = _window.Eof;
        if (pos == end) return eof ? CsvStep.End : CsvStep.NeedMore;

        var data = _window.Buffer.AsSpan(0, end);
        var fieldCount = 0;
        var lineBreaks = 0;
        StrayAfterQuote = -1;
        while (true)
        {
            if (pos == end)
            {
                // A delimiter was the last byte of the input: the record ends with an empty field.
                if (!eof) return CsvStep.NeedMore;
                Add(ref fieldCount, pos, 0, quoted: false, doubled: false);
                return Complete(fieldCount, end, end, lineBreaks);
            }

            int stop;
            if (data[pos] == _quote)
            {
                var contentStart = pos + 1;
                var scan = contentStart;
                var doubled = false;
                int close;
                while (true)
                {
                    var found = data[scan..].IndexOf(_quote);
                    if (found < 0)
                    {
                        if (!eof) return CsvStep.NeedMore;
                        throw Unterminated(pos);
                    }
                    var q = scan + found;
                    if (q + 1 == end && !eof) return CsvStep.NeedMore;
                    if (q + 1 < end && data[q + 1] == _quote)
                    {
                        doubled = true;
                        scan = q + 2;
                        continue;
                    }
                    close = q;
                    break;
                }
                lineBreaks += CountLineBreaks(data[contentStart..close]);
                Add(ref fieldCount, contentStart, close - contentStart, quoted: true, doubled);
                pos = close + 1;
                if (pos == end) return Complete(fieldCount, end, end, lineBreaks);
                var after = data[pos];
                if (after == _delimiter)
                {
                    pos++;
                    continue;
                }
                if (after is Cr or Lf)
                {
                    stop = pos;
                }
                else
                {
                    // Text after a closing quote breaks RFC 4180: read on to the field's end so the
                    // next record starts in the right place, and report this one.
                    if (StrayAfterQuote < 0) StrayAfterQuote = pos - _window.Start;
                    var rest = data[pos..].IndexOfAny(_fieldEnds);
                    if (rest < 0)
                    {
                        if (!eof) return CsvStep.NeedMore;
                        return Complete(fieldCount, end, end, lineBreaks);
                    }
                    stop = pos + rest;
                    if (data[stop] == _delimiter)
                    {
                        pos = stop + 1;
                        continue;
                    }
                }
            }
            else
            {
                var length = data[pos..].IndexOfAny(_fieldEnds);
                if (length < 0)
                {
                    if (!eof) return CsvStep.NeedMore;
                    Add(ref fieldCount, pos, end - pos, quoted: false, doubled: false);
                    return Complete(fieldCount, end, end, lineBreaks);
                }
                Add(ref fieldCount, pos, length, quoted: false, doubled: false);
                stop = pos + length;
                if (data[stop] == _delimiter)
                {
                    pos = stop + 1;
                    continue;
                }
            }

            // stop is at CR or LF: CRLF, LF and a lone CR each end a line.
            int next;
            if (data[stop] == Cr)
            {
                if (stop + 1 == end && !eof) return CsvStep.NeedMore;
                next = stop + 1 < end && data[stop + 1] == Lf ? stop + 2 : stop + 1;
            }
            else
            {
                next = stop + 1;
            }
            return Complete(fieldCount, stop, next, lineBreaks + 1);
        }
    }

    /// <summary>Reads more input; called when <see cref="Next"/> says <see cref="CsvStep.NeedMore"/>.</summary>
    public async ValueTask FillAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (!await _window.FillAsync(stream, cancellationToken).ConfigureAwait(false))
            throw new DataSourceException(_sourceName, Where(_line, null),
                $"the record starting on line {_line} is longer than {_maxRecordBytes} bytes (MaxRecordBytes); is a quote left open?");
    }

    /// <summary>Line and column (1-based) of an offset in <see cref="RecordBytes"/>.</summary>
    public (long Line, int Column) Locate(int offsetInRecord) => Locate(_recordStart, RecordLine, _recordStart + offsetInRecord);

    private (long Line, int Column) Locate(int recordStart, long recordLine, int offset)
    {
        var line = recordLine;
        var lineStart = recordStart;
        var text = _window.Buffer.AsSpan(recordStart, offset - recordStart);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == Lf || (text[i] == Cr && (i + 1 == text.Length || text[i + 1] != Lf)))
            {
                line++;
                lineStart = recordStart + i + 1;
            }
        }
        var before = _window.Buffer.AsSpan(lineStart, offset - lineStart);
        // Transcoded input: a byte column would count the UTF-8 bytes of the transcoding, not the file's.
        var column = _columnsInCharacters ? CountCharacters(before) : before.Length;
        return (line, column + 1);
    }

    private static int CountCharacters(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
        foreach (var b in utf8)
            if ((b & 0xC0) != 0x80) count++;
        return count;
    }

    private string Where(long line, int? column) => column is { } c
        ? string.Create(CultureInfo.InvariantCulture, $"{_display}:{line}:{c}")
        : string.Create(CultureInfo.InvariantCulture, $"{_display}:{line}");

    public string ColumnName => _columnsInCharacters ? "column" : "byte column";

    private DataSourceException Unterminated(int quoteOffset)
    {
        var (line, column) = Locate(_window.Start, _line, quoteOffset);
        return new DataSourceException(_sourceName, Where(line, column),
            $"unterminated quoted field: the quote opened on line {line}, {ColumnName} {column} is still open at the end of the input.");
    }

    private CsvStep Complete(int fieldCount, int recordEnd, int next, int lineBreaks)
    {
        FieldCount = fieldCount;
        _recordStart = _window.Start;
        _recordEnd = recordEnd;
        RecordLine = _line;
        _line += lineBreaks;
        _window.Start = next;
        return fieldCount == 1 && recordEnd == _recordStart ? CsvStep.BlankLine : CsvStep.Record;
    }

    private void Add(ref int count, int start, int length, bool quoted, bool doubled)
    {
        if (count == _fields.Length) Array.Resize(ref _fields, _fields.Length * 2);
        ref var field = ref _fields[count++];
        field.Start = start;
        field.Length = length;
        field.Quoted = quoted;
        field.HasDoubledQuotes = doubled;
    }

    private static int CountLineBreaks(ReadOnlySpan<byte> text)
    {
        var count = 0;
        int at;
        while ((at = text.IndexOfAny(Cr, Lf)) >= 0)
        {
            count++;
            text = text[(at + (text[at] == Cr && at + 1 < text.Length && text[at + 1] == Lf ? 2 : 1))..];
        }
        return count;
    }

    /// <summary>The record as text for a problem report; undecodable bytes show as U+FFFD.</summary>
    public string RecordText() => Encoding.UTF8.GetString(RecordBytes);

    public void Dispose() => _window.Dispose();
}
