using System.Text;

namespace OpsAutomation.Core.Incidents.Anomalies;

/// <summary>
/// One metric series to judge: its name and labels, and its points in time order. Built by
/// <see cref="Create"/>, which sorts points given out of order, keeps the last value given for a
/// timestamp given twice, and turns infinities into gaps (NaN): a gap is never judged and never
/// part of a baseline.
/// </summary>
public sealed class TimeSeries
{
    private TimeSeries(string metric, IReadOnlyDictionary<string, string> labels, long[] timestamps, double[] values)
    {
        Metric = metric;
        Labels = labels;
        TimestampsMs = timestamps;
        Values = values;
        Name = Format(metric, labels);
    }

    /// <summary>The metric's name (the <c>__name__</c> label); empty when the series has none, as an expression's result may.</summary>
    public string Metric { get; }

    /// <summary>The labels without <c>__name__</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The series as Prometheus writes it: <c>name{label="value",...}</c>, labels sorted by name.</summary>
    public string Name { get; }

    /// <summary>Unix milliseconds, ascending, distinct.</summary>
    public long[] TimestampsMs { get; }

    /// <summary>The values; NaN where a sample is missing or not finite.</summary>
    public double[] Values { get; }

    /// <summary>The number of points.</summary>
    public int Count => TimestampsMs.Length;

    /// <summary>
    /// A series from its labels (with or without <c>__name__</c>) and points. The arrays are taken
    /// as they are when already in time order (no copy); otherwise sorted copies are made.
    /// </summary>
    /// <exception cref="ArgumentException">The two arrays differ in length.</exception>
    public static TimeSeries Create(IReadOnlyDictionary<string, string> labels, long[] timestampsMs, double[] values)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(timestampsMs);
        ArgumentNullException.ThrowIfNull(values);
        if (timestampsMs.Length != values.Length)
            throw new ArgumentException($"The series {Format(labels.GetValueOrDefault("__name__") ?? "", labels)} has {timestampsMs.Length} timestamps but {values.Length} values.", nameof(values));
        var metric = labels.GetValueOrDefault("__name__") ?? "";
        var rest = labels.ContainsKey("__name__")
            ? labels.Where(l => l.Key != "__name__").ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal)
            : labels;
        var ordered = true;
        for (var i = 1; i < timestampsMs.Length && ordered; i++) ordered = timestampsMs[i] > timestampsMs[i - 1];
        if (!ordered) (timestampsMs, values) = Sorted(timestampsMs, values);
        for (var i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) values[i] = double.NaN;
        return new TimeSeries(metric, rest, timestampsMs, values);
    }

    /// <summary>Sorted by time; of two points with one timestamp the later one given wins.</summary>
    private static (long[], double[]) Sorted(long[] timestamps, double[] values)
    {
        var order = new int[timestamps.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => timestamps[a] != timestamps[b] ? timestamps[a].CompareTo(timestamps[b]) : a.CompareTo(b));
        var count = 0;
        for (var i = 0; i < order.Length; i++)
            if (i + 1 == order.Length || timestamps[order[i + 1]] != timestamps[order[i]]) count++;
        var t = new long[count];
        var v = new double[count];
        var k = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (i + 1 < order.Length && timestamps[order[i + 1]] == timestamps[order[i]]) continue;
            t[k] = timestamps[order[i]];
            v[k] = values[order[i]];
            k++;
        }
        return (t, v);
    }

    /// <summary><c>name{a="1",b="2"}</c> with the exposition format's escapes in values.</summary>
    internal static string Format(string metric, IReadOnlyDictionary<string, string> labels)
    {
        var text = new StringBuilder(metric);
        var first = true;
        foreach (var (name, value) in labels.Where(l => l.Key != "__name__").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(first ? '{' : ',').Append(name).Append("=\"");
            foreach (var c in value)
            {
                _ = c switch
                {
                    '\\' => text.Append(@"\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append(@"\n"),
                    _ => text.Append(c),
                };
            }
            text.Append('"');
            first = false;
        }
        if (!first) text.Append('}');
        return text.Length == 0 ? "{}" : text.ToString();
    }
}
