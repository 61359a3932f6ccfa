using System.Globalization;
using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.State;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>
/// An RFC 4180 CSV file in UTF-8: a header row, CRLF line ends, fields quoted when they hold the
/// delimiter, a quote or a line break. The columns are the declared ones, else the first
/// record's fields; a record with a field outside them is refused, a missing field is empty.
/// </summary>
public sealed class CsvFileSink(string path, PipelineCheckpointStore checkpoints, TimeProvider time, IReadOnlyList<string>? columns = null, char delimiter = ',',
    IReadOnlyList<string>? key = null)
    : FileSink(path, checkpoints, time, key)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private IReadOnlyList<string>? _columns = columns;
    private Dictionary<string, int>? _ordinals;
    private bool _headerWritten;

    protected override async Task OnOpenedAsync(string partialPath, long length, CancellationToken cancellationToken)
    {
        // A replay appended to the target writes rows under the target's header; a resumed load keeps the columns its header already names.
        var headed = AppendsToTarget ? TargetPath : length > 0 ? partialPath : null;
        _headerWritten = headed is not null;
        if (headed is null || (_columns is not null && !AppendsToTarget)) return;
        using var reader = new StreamReader(new FileStream(headed, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), Utf8);
        var header = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? "";
        _columns = header.Split(delimiter);
    }

    protected override IRecordSource ReadRecords(Func<Stream> open, string display, bool headerless) =>
        new CsvRecordSource(open, display, headerless ? new CsvSourceOptions { Delimiter = delimiter, HasHeader = false, FieldNames = _columns } : new CsvSourceOptions { Delimiter = delimiter });

    protected override async Task WriteRecordsAsync(Stream stream, IReadOnlyList<DataRecord> records, List<RefusedRecord> refused, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return;
        _columns ??= records[0].Shape.Names;
        _ordinals ??= _columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var text = new StringBuilder(records.Count * 64);
        if (!_headerWritten)
        {
            AppendRow(text, _columns);
            _headerWritten = true;
        }
        var row = new string?[_columns.Count];
        foreach (var record in records)
        {
            Array.Clear(row);
            string? unknown = null;
            for (var i = 0; i < record.Shape.Count; i++)
            {
                if (_ordinals.TryGetValue(record.Shape.Names[i], out var ordinal)) row[ordinal] = Format(record.Values[i]);
                else if (record.Values[i] is not null) { unknown = record.Shape.Names[i]; break; }
            }
            if (unknown is not null)
            {
                refused.Add(new RefusedRecord(record, $"Field '{unknown}' is not a column of '{Path.GetFileName(TargetPath)}' ({string.Join(", ", _columns)})."));
                continue;
            }
            AppendRow(text, row);
        }
        await stream.WriteAsync(Utf8.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
    }

    private void AppendRow(StringBuilder text, IReadOnlyList<string?> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) text.Append(delimiter);
            var field = fields[i] ?? "";
            if (field.AsSpan().IndexOfAny(delimiter, '"', '\n') >= 0 || field.Contains('\r', StringComparison.Ordinal))
                text.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else
                text.Append(field);
        }
        text.Append("\r\n");
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(SinkColumn.ToStorable(value), CultureInfo.InvariantCulture),
    };
}
