using System.Text.RegularExpressions;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// Prometheus naming rules for custom metrics: the data model's syntax, plus the conventions
/// `promtool check metrics` lints, so that every exposition of the module passes it.
/// </summary>
public static partial class MetricNameRules
{
    /// <summary>The module's own metrics use this prefix; custom metrics may not, so they never collide.</summary>
    public const string ReservedPrefix = "ops_";

    private static readonly string[] BaseUnits = ["seconds", "bytes", "meters", "metres", "grams", "volts", "amperes", "joules", "kelvin", "celsius"];

    private static readonly string[] UnitPrefixes =
        ["pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega", "mebi", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi"];

    /// <summary>Time units that are not the base unit seconds.</summary>
    private static readonly string[] NonBaseTimeUnits = ["minutes", "hours", "days", "weeks"];

    private static readonly HashSet<string> UnitAbbreviations = new(StringComparer.Ordinal) { "s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d" };

    private static readonly string[] ReservedSuffixes = ["_bucket", "_count", "_sum"];

    /// <summary>Throws <see cref="MetricDefinitionException"/> naming the bad value when <paramref name="name"/> breaks a rule.</summary>
    public static void ValidateMetricName(string name, MetricType type)
    {
        if (!MetricNamePattern().IsMatch(name))
            throw Invalid($"Metric name '{name}' is not valid: it must match [a-zA-Z_:][a-zA-Z0-9_:]*.");
        if (name.StartsWith("__", StringComparison.Ordinal))
            throw Invalid($"Metric name '{name}' is not valid: names starting with __ are reserved for Prometheus.");
        if (name.Contains(':'))
            throw Invalid($"Metric name '{name}' is not valid: colons are reserved for recording rules.");
        if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            throw Invalid($"Metric name '{name}' is not valid: the prefix '{ReservedPrefix}' is reserved for the module's own metrics.");
        if (CamelCase().IsMatch(name))
            throw Invalid($"Metric name '{name}' is not valid: write it in snake_case, not camelCase.");
        var isCounter = type == MetricType.Counter;
        if (isCounter && !name.EndsWith("_total", StringComparison.Ordinal))
            throw Invalid($"Metric name '{name}' is not valid: a counter's name ends in _total, as in {name}_total.");
        if (!isCounter && name.EndsWith("_total", StringComparison.Ordinal))
            throw Invalid($"Metric name '{name}' is not valid: only counters end in _total.");
        foreach (var suffix in ReservedSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
                throw Invalid($"Metric name '{name}' is not valid: the suffix {suffix} is reserved for the series of histograms and summaries.");
        }
        var typeName = type.ToString().ToLowerInvariant();
        if (name.Split('_').Contains(typeName, StringComparer.Ordinal))
            throw Invalid($"Metric name '{name}' is not valid: the type ({typeName}) does not belong in the name.");
        ValidateUnits(name);
    }

    /// <summary>Throws <see cref="MetricDefinitionException"/> naming the bad label name.</summary>
    public static void ValidateLabelName(string metric, string label, MetricType type)
    {
        if (!LabelNamePattern().IsMatch(label))
            throw Invalid($"Label name '{label}' of metric '{metric}' is not valid: it must match [a-zA-Z_][a-zA-Z0-9_]*.");
        if (label.StartsWith("__", StringComparison.Ordinal))
            throw Invalid($"Label name '{label}' of metric '{metric}' is not valid: names starting with __ are reserved for Prometheus.");
        if (CamelCase().IsMatch(label))
            throw Invalid($"Label name '{label}' of metric '{metric}' is not valid: write it in snake_case, not camelCase.");
        if (type == MetricType.Histogram && label == "le")
            throw Invalid($"Label name 'le' of histogram '{metric}' is not valid: it holds the bucket bound.");
        if (type == MetricType.Summary && label == "quantile")
            throw Invalid($"Label name 'quantile' of summary '{metric}' is not valid: it holds the quantile.");
    }

    private static void ValidateUnits(string name)
    {
        var words = name.Split('_');
        foreach (var word in words)
        {
            if (UnitAbbreviations.Contains(word))
                throw Invalid($"Metric name '{name}' is not valid: spell the unit '{word}' out in its base unit, such as seconds or bytes.");
            if (NonBaseTimeUnits.Contains(word, StringComparer.Ordinal))
                throw Invalid($"Metric name '{name}' is not valid: use the base unit seconds instead of {word}.");
        }
        foreach (var unit in BaseUnits)
        {
            foreach (var prefix in UnitPrefixes)
            {
                if (name.Contains(prefix + unit, StringComparison.Ordinal))
                    throw Invalid($"Metric name '{name}' is not valid: use the base unit {unit} instead of {prefix}{unit}.");
            }
        }
    }

    private static MetricDefinitionException Invalid(string message) => new(message);

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricNamePattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelNamePattern();

    [GeneratedRegex("[a-z][A-Z]")]
    private static partial Regex CamelCase();
}

/// <summary>A custom metric's definition breaks a Prometheus rule, or conflicts with an existing one.</summary>
public sealed class MetricDefinitionException : Exception
{
    public MetricDefinitionException(string message, bool conflict = false) : base(message)
    {
        Conflict = conflict;
    }

    /// <summary>True when the name is already defined differently, rather than the definition being invalid.</summary>
    public bool Conflict { get; }
}
