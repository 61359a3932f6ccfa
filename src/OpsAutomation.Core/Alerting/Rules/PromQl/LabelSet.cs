using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>One label of a <see cref="LabelSet"/>.</summary>
internal readonly record struct Label(string Name, string Value);

/// <summary>
/// An immutable label set sorted by name (ordinal), with its hash computed once: the key of
/// series, aggregation groups and matching signatures. Empty values are absent labels, as in Prometheus.
/// </summary>
internal sealed class LabelSet : IEquatable<LabelSet>
{
    public const string MetricName = "__name__";

    public static readonly LabelSet Empty = new([]);

    private readonly Label[] _labels;
    private readonly int _hash;

    private LabelSet(Label[] sortedLabels)
    {
        _labels = sortedLabels;
        var hash = new HashCode();
        foreach (var label in sortedLabels)
        {
            hash.Add(label.Name, StringComparer.Ordinal);
            hash.Add(label.Value, StringComparer.Ordinal);
        }
        _hash = hash.ToHashCode();
    }

    public int Count => _labels.Length;

    public ReadOnlySpan<Label> Labels => _labels;

    public static LabelSet From(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var list = new List<Label>();
        foreach (var (name, value) in labels)
        {
            if (!string.IsNullOrEmpty(value)) list.Add(new Label(name, value));
        }
        return FromUnsorted(list);
    }

    private static LabelSet FromUnsorted(List<Label> list)
    {
        if (list.Count == 0) return Empty;
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new LabelSet([.. list]);
    }

    /// <summary>Whether every label of this set has its value in <paramref name="labels"/> (the caller compares the counts of non-empty values).</summary>
    public bool IsContentOf(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var label in _labels)
        {
            if (!labels.TryGetValue(label.Name, out var value) || !string.Equals(value, label.Value, StringComparison.Ordinal)) return false;
        }
        return true;
    }

    public string Get(string name)
    {
        foreach (var label in _labels)
        {
            if (string.Equals(label.Name, name, StringComparison.Ordinal)) return label.Value;
        }
        return "";
    }

    public bool Has(string name) => Get(name).Length > 0;

    public LabelSet WithoutMetricName() => Has(MetricName) ? Filter(static (l, _) => l.Name != MetricName, (IReadOnlyList<string>?)null) : this;

    /// <summary>Only the named labels (Prometheus's Keep / MatchLabels with on).</summary>
    public LabelSet Keep(IReadOnlyList<string> names) => Filter(static (l, n) => Contains(n!, l.Name), names);

    /// <summary>All but the named labels.</summary>
    public LabelSet Drop(IReadOnlyList<string> names) => names.Count == 0 ? this : Filter(static (l, n) => !Contains(n!, l.Name), names);

    /// <summary>All but the named labels and the metric name (MatchLabels with ignoring, grouping with without).</summary>
    public LabelSet DropWithMetricName(IReadOnlyList<string> names) =>
        Filter(static (l, n) => l.Name != MetricName && !Contains(n!, l.Name), names);

    public LabelSet With(string name, string value)
    {
        var list = new List<Label>(_labels.Length + 1);
        foreach (var label in _labels)
        {
            if (label.Name != name) list.Add(label);
        }
        if (value.Length > 0) list.Add(new Label(name, value));
        return FromUnsorted(list);
    }

    private LabelSet Filter(Func<Label, IReadOnlyList<string>?, bool> keep, IReadOnlyList<string>? names)
    {
        var kept = 0;
        foreach (var label in _labels)
        {
            if (keep(label, names)) kept++;
        }
        if (kept == _labels.Length) return this;
        if (kept == 0) return Empty;
        var result = new Label[kept];
        var i = 0;
        foreach (var label in _labels)
        {
            if (keep(label, names)) result[i++] = label;
        }
        return new LabelSet(result);
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    public Dictionary<string, string> ToDictionary()
    {
        var result = new Dictionary<string, string>(_labels.Length, StringComparer.Ordinal);
        foreach (var label in _labels) result[label.Name] = label.Value;
        return result;
    }

    public bool Equals(LabelSet? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._hash != _hash || other._labels.Length != _labels.Length) return false;
        for (var i = 0; i < _labels.Length; i++)
        {
            if (!string.Equals(_labels[i].Name, other._labels[i].Name, StringComparison.Ordinal)
                || !string.Equals(_labels[i].Value, other._labels[i].Value, StringComparison.Ordinal)) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => _hash;

    /// <summary>As Prometheus 2.x prints label sets in errors: {a="1", b="2"}.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("{");
        for (var i = 0; i < _labels.Length; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(_labels[i].Name).Append('=').Append(Quote(_labels[i].Value));
        }
        return text.Append('}').ToString();
    }

    internal static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\t': text.Append("\\t"); break;
                case '\r': text.Append("\\r"); break;
                default:
                    if (char.IsControl(c)) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}
