using System.Text;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>How to read a CSV file (RFC 4180 and its common variants).</summary>
public sealed class CsvSourceOptions
{
    /// <summary>The field separator, an ASCII character other than the quote, CR and LF. Default <c>,</c>.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>The quote character, ASCII. Default <c>"</c>; a doubled quote inside a quoted field is one quote.</summary>
    public char Quote { get; init; } = '"';

    /// <summary>True (the default) when the first row names the fields.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>The field names to use; required without a header, and replaces the header when there is one.</summary>
    public IReadOnlyList<string>? FieldNames { get; init; }

    /// <summary>
    /// The encoding's name (<c>utf-8</c>, <c>latin1</c>, <c>utf-16</c>, <c>windows-1252</c>...).
    /// Default UTF-8. Other encodings are transcoded to UTF-8 as the file streams in.
    /// </summary>
    public string? Encoding { get; init; }

    /// <summary>
    /// True (the default): an empty unquoted field is null and an empty quoted field (<c>""</c>) is
    /// the empty string, as PostgreSQL's COPY reads CSV. False: both are the empty string.
    /// </summary>
    public bool EmptyFieldAsNull { get; init; } = true;

    /// <summary>True (the default): empty lines are no records and take no position.</summary>
    public bool SkipBlankLines { get; init; } = true;

    /// <summary>Bytes read from the file at a time. Default 64 KiB; at least 1.</summary>
    public int BufferSize { get; init; } = 64 * 1024;

    /// <summary>The longest record in bytes before the file is refused (a stray quote would otherwise swallow it whole). Default 16 MiB.</summary>
    public int MaxRecordBytes { get; init; } = 16 * 1024 * 1024;

    internal Encoding ResolveEncoding() => Encoding is null ? System.Text.Encoding.UTF8 : TextEncodings.Resolve(Encoding);

    internal void Validate()
    {
        if (Delimiter > 0x7F || Delimiter is '\r' or '\n')
            throw new ArgumentException($"The delimiter '{Delimiter}' must be an ASCII character other than CR and LF.", nameof(Delimiter));
        if (Quote > 0x7F || Quote is '\r' or '\n')
            throw new ArgumentException($"The quote '{Quote}' must be an ASCII character other than CR and LF.", nameof(Quote));
        if (Quote == Delimiter)
            throw new ArgumentException($"The quote and the delimiter are both '{Delimiter}'.", nameof(Quote));
        if (!HasHeader && FieldNames is null)
            throw new ArgumentException("A CSV file without a header row needs FieldNames.", nameof(FieldNames));
        if (BufferSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BufferSize), BufferSize, "BufferSize must be at least 1.");
        if (MaxRecordBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxRecordBytes), MaxRecordBytes, "MaxRecordBytes must be at least 1.");
        if (FieldNames is not null)
            _ = new RecordShape(FieldNames);
        _ = ResolveEncoding();
    }
}
