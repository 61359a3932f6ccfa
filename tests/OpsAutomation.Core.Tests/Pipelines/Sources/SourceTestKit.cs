using System.Globalization;
using System.Text;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sources;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

/// <summary>Reads sources to lists and renders items as text, so tests compare whole outputs.</summary>
internal static class SourceTestKit
{
    public static async Task<List<SourceItem>> ReadAllAsync(IRecordSource source, long skip = 0)
    {
        var items = new List<SourceItem>();
        await foreach (var item in source.ReadAsync(skip, CancellationToken.None))
            items.Add(item);
        return items;
    }

    public static CsvRecordSource Csv(string text, CsvSourceOptions? options = null) => Csv(Encoding.UTF8.GetBytes(text), options);

    public static CsvRecordSource Csv(byte[] bytes, CsvSourceOptions? options = null) =>
        new(() => new MemoryStream(bytes, writable: false), "test.csv", options);

    /// <summary>Only the records' values; fails on any problem.</summary>
    public static async Task<List<object?[]>> ValuesAsync(IRecordSource source)
    {
        var items = await ReadAllAsync(source);
        Assert.All(items, i => Assert.Null(i.Problem));
        return items.Select(i => i.Record!.Values).ToList();
    }

    /// <summary>One line per item: position, location and the values or the problem.</summary>
    public static string Render(IEnumerable<SourceItem> items)
    {
        var text = new StringBuilder();
        foreach (var item in items)
        {
            text.Append(CultureInfo.InvariantCulture, $"{item.Position} {item.Location} ");
            if (item.Record is { } record)
                text.AppendJoin(" | ", record.Shape.Names.Zip(record.Values, (n, v) => $"{n}={Show(v)}"));
            else
                text.Append(CultureInfo.InvariantCulture, $"PROBLEM {item.Problem!.Reason} RAW={Show(item.Problem.RawText)}");
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Show(object? value) => value switch
    {
        null => "<null>",
        string s => "\"" + s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) + ":" + value.GetType().Name,
    };
}
