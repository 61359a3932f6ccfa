using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>What the parser knows of one family while reading: its metadata and the series seen so far.</summary>
internal sealed class MetricFamilyState(string name)
{
    public string Name { get; } = name;

    public MetricType Type { get; set; }

    /// <summary>A TYPE line declared it; an undeclared family owns only the sample of its own name.</summary>
    public bool Typed { get; set; }

    public string? Help { get; set; }

    public bool HasHelp { get; set; }

    public string? Unit { get; set; }

    public bool HasUnit { get; set; }

    public bool HasSamples { get; set; }

    /// <summary>Another family followed it; in OpenMetrics nothing more of it may come.</summary>
    public bool Ended { get; set; }

    public HashSet<string> Series { get; } = new(StringComparer.Ordinal);

    /// <summary>Histogram series (labels without le) with the line of their first bucket and whether a +Inf bucket came.</summary>
    public Dictionary<string, (int Line, string Text, bool HasInfinity)> Buckets { get; } = new(StringComparer.Ordinal);

    /// <summary>The suffixes whose samples belong to a family of this type ("" is the family's own name).</summary>
    public static IReadOnlyList<string> SuffixesOf(MetricType type, ExpositionFormat format) => (type, format) switch
    {
        (MetricType.Counter, ExpositionFormat.OpenMetrics) => ["_total", "_created"],
        (MetricType.Histogram, ExpositionFormat.OpenMetrics) => ["_bucket", "_count", "_sum", "_created"],
        (MetricType.Histogram, _) => ["_bucket", "_count", "_sum"],
        (MetricType.Summary, ExpositionFormat.OpenMetrics) => ["", "_count", "_sum", "_created"],
        (MetricType.Summary, _) => ["", "_count", "_sum"],
        (MetricType.GaugeHistogram, _) => ["_bucket", "_gcount", "_gsum"],
        (MetricType.Info, _) => ["_info"],
        _ => [""],
    };

    public static readonly string[] AllSuffixes = ["_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"];
}
