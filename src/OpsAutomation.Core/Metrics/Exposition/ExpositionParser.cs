using System.Globalization;
using System.Text;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>
/// Reads Prometheus text format 0.0.4 or OpenMetrics 1.0 text line by line and yields each
/// sample as it is read. Every rule of the format is enforced; the first broken one throws an
/// <see cref="ExpositionFormatException"/> naming line, column and text, so no sample is dropped
/// silently. 0.0.4 is read as Prometheus reads it (blanks and tabs between tokens, comments,
/// a trailing comma in label sets, timestamps in milliseconds); OpenMetrics by its ABNF (single
/// spaces, timestamps in seconds, exemplars, # EOF last).
/// </summary>
public sealed class ExpositionParser
{
    /// <summary>OpenMetrics limits an exemplar's label names and values to this many characters in all.</summary>
    private const int MaxExemplarLabelChars = 128;

    private readonly ExpositionFormat _format;
    private readonly Uri? _source;
    private readonly DateTimeOffset _scrapedAt;
    private readonly Dictionary<string, MetricFamilyState> _families = new(StringComparer.Ordinal);
    private MetricFamilyState? _current;

    private ExpositionParser(ExpositionFormat format, Uri? source, DateTimeOffset scrapedAt)
    {
        _format = format;
        _source = source;
        _scrapedAt = scrapedAt;
    }

    private bool OpenMetrics => _format == ExpositionFormat.OpenMetrics;

    /// <summary>The samples of <paramref name="reader"/>'s exposition, lazily; an error surfaces when its line is reached.</summary>
    public static IEnumerable<MetricSample> Parse(TextReader reader, ExpositionFormat format, Uri? source = null, DateTimeOffset scrapedAt = default) =>
        new ExpositionParser(format, source, scrapedAt).Run(reader);

    /// <summary>Parses a whole exposition held in a string.</summary>
    public static IReadOnlyList<MetricSample> Parse(string text, ExpositionFormat format, Uri? source = null, DateTimeOffset scrapedAt = default) =>
        [.. Parse(new StringReader(text), format, source, scrapedAt)];

    private IEnumerable<MetricSample> Run(TextReader reader)
    {
        var lineNumber = 0;
        var sawEof = false;
        while (reader.ReadLine() is { } text)
        {
            lineNumber++;
            var line = new LineCursor(text, lineNumber);
            if (sawEof) throw line.Error("text after # EOF");
            if (!OpenMetrics) line.SkipBlanks();
            if (line.AtEnd)
            {
                if (OpenMetrics) throw line.Error("blank line");
                continue;
            }
            if (line.Current == '#')
            {
                sawEof = ReadComment(line);
                continue;
            }
            yield return ReadSample(line);
        }
        if (OpenMetrics && !sawEof) throw new ExpositionFormatException("the exposition does not end with # EOF", lineNumber + 1, 1, "");
        if (_current is not null) EndFamily(_current);
    }

    /// <summary>HELP, TYPE, UNIT and EOF lines; 0.0.4 ignores any other comment. Returns true for # EOF.</summary>
    private bool ReadComment(LineCursor line)
    {
        line.Position++;
        if (OpenMetrics)
        {
            if (line.Text == "# EOF") return true;
            line.Expect(' ', "a comment must be # HELP, # TYPE, # UNIT or # EOF");
        }
        else
        {
            line.SkipBlanks();
        }
        var keywordAt = line.Position;
        var keyword = line.ReadToken();
        if (keyword is not ("HELP" or "TYPE" or "UNIT") || (keyword == "UNIT" && !OpenMetrics))
        {
            if (OpenMetrics) throw line.Error($"unknown comment '{keyword}': it must be # HELP, # TYPE, # UNIT or # EOF", keywordAt);
            return false;
        }
        if (OpenMetrics) line.Expect(' ', $"one space must follow {keyword}");
        else line.SkipBlanks();
        if (line.AtEnd && !OpenMetrics) return false; // "# HELP" alone is a plain comment to Prometheus.
        var nameAt = line.Position;
        var family = Declare(line.ReadName(allowColon: true, "metric name"), line, nameAt);
        var hasValue = !line.AtEnd;
        if (hasValue)
        {
            if (OpenMetrics) line.Expect(' ', "one space must follow the metric name");
            else if (line.Current is ' ' or '\t') line.SkipBlanks();
            else throw line.Error("a blank must follow the metric name");
        }
        switch (keyword)
        {
            case "HELP":
                if (family.HasHelp) throw line.Error($"second HELP line for {family.Name}", nameAt);
                family.HasHelp = true;
                family.Help = ReadEscaped(line, escapeQuote: OpenMetrics, terminator: null);
                break;
            case "TYPE":
                if (family.Typed) throw line.Error($"second TYPE line for {family.Name}", nameAt);
                var typeAt = line.Position;
                var typeName = OpenMetrics ? line.Text[line.Position..] : line.ReadToken();
                family.Type = ParseType(typeName) ?? throw line.Error($"unknown metric type '{typeName}'", typeAt);
                family.Typed = true;
                if (!OpenMetrics) TrailingBlanksOnly(line);
                CheckNoEarlierSamples(family, line, nameAt);
                break;
            default:
                if (family.HasUnit) throw line.Error($"second UNIT line for {family.Name}", nameAt);
                var unit = line.Text[line.Position..];
                if (unit.Length > 0 && !family.Name.EndsWith("_" + unit, StringComparison.Ordinal))
                    throw line.Error($"the unit '{unit}' must be the suffix of the family name {family.Name}", line.Position);
                family.HasUnit = true;
                family.Unit = unit.Length > 0 ? unit : null;
                break;
        }
        return false;
    }

    /// <summary>The family a metadata line names; in OpenMetrics it becomes the current one and must not have begun already.</summary>
    private MetricFamilyState Declare(string name, LineCursor line, int nameAt)
    {
        if (!_families.TryGetValue(name, out var family))
            _families[name] = family = new MetricFamilyState(name);
        if (!OpenMetrics) return family;
        if (family != _current)
        {
            if (family.Ended) throw line.Error($"metadata for {name}, whose family ended earlier: a family's lines must be together", nameAt);
            SwitchTo(family);
        }
        else if (family.HasSamples)
        {
            throw line.Error($"metadata for {name} after its samples", nameAt);
        }
        return family;
    }

    /// <summary>A TYPE must come before the first sample of the family, under any of its sample names.</summary>
    private void CheckNoEarlierSamples(MetricFamilyState family, LineCursor line, int nameAt)
    {
        foreach (var suffix in MetricFamilyState.SuffixesOf(family.Type, _format))
        {
            if (family.HasSamples || (suffix.Length > 0 && _families.TryGetValue(family.Name + suffix, out var other) && other.HasSamples))
                throw line.Error($"TYPE line for {family.Name} after its samples", nameAt);
        }
    }

    private MetricType? ParseType(string name) => (OpenMetrics ? name : name.ToLowerInvariant()) switch
    {
        "counter" => MetricType.Counter,
        "gauge" => MetricType.Gauge,
        "histogram" => MetricType.Histogram,
        "summary" => MetricType.Summary,
        "untyped" when !OpenMetrics => MetricType.Unknown,
        "unknown" when OpenMetrics => MetricType.Unknown,
        "gaugehistogram" when OpenMetrics => MetricType.GaugeHistogram,
        "stateset" when OpenMetrics => MetricType.StateSet,
        "info" when OpenMetrics => MetricType.Info,
        _ => null,
    };

    private MetricSample ReadSample(LineCursor line)
    {
        var nameAt = line.Position;
        var name = line.ReadName(allowColon: true, "metric name");
        var (family, suffix) = Resolve(name, line, nameAt);
        var afterName = line.Position;
        if (!OpenMetrics) line.SkipBlanks();
        var labelsAt = line.Position;
        if (line.Current != '{') line.Position = afterName;
        var labels = line.Current == '{' ? ReadLabels(line, "label") : new Dictionary<string, string>(StringComparer.Ordinal);
        Separator(line, "a blank must separate the sample's name or labels from its value");

        var valueAt = line.Position;
        var valueText = ReadField(line);
        var value = ParseNumber(valueText, allowSpecial: true) ?? throw line.Error($"invalid sample value '{valueText}'", valueAt);

        DateTimeOffset? timestamp = null;
        if (HasMoreFields(line))
        {
            Separator(line, "a blank must separate the value from the timestamp");
            if (!(OpenMetrics && line.Current == '#'))
                timestamp = ReadTimestamp(line);
        }
        if (OpenMetrics && !line.AtEnd)
        {
            if (timestamp is not null) line.Expect(' ', "one space must separate the timestamp from the exemplar");
            ReadExemplar(line, family, suffix);
        }
        if (!OpenMetrics) TrailingBlanksOnly(line);

        CheckSample(family, suffix, name, labels, value, line, labels.Count > 0 ? labelsAt : nameAt, valueAt);
        return new MetricSample
        {
            Name = name, Labels = labels, Value = value, Timestamp = timestamp, Family = family.Name, Type = family.Type,
            Help = family.Help, Unit = family.Unit, Source = _source, ScrapedAt = _scrapedAt,
        };
    }

    /// <summary>The family a sample name belongs to, by its suffix and the declared types; a new untyped family otherwise.</summary>
    private (MetricFamilyState Family, string Suffix) Resolve(string name, LineCursor line, int nameAt)
    {
        MetricFamilyState? owner = null;
        var suffix = "";
        if (_families.TryGetValue(name, out var exact) && MetricFamilyState.SuffixesOf(exact.Type, _format).Contains(""))
        {
            owner = exact;
        }
        else
        {
            foreach (var candidate in MetricFamilyState.AllSuffixes)
            {
                if (name.Length > candidate.Length && name.EndsWith(candidate, StringComparison.Ordinal)
                    && _families.TryGetValue(name[..^candidate.Length], out var declared) && declared.Typed
                    && MetricFamilyState.SuffixesOf(declared.Type, _format).Contains(candidate))
                {
                    (owner, suffix) = (declared, candidate);
                    break;
                }
            }
        }
        if (owner is null)
        {
            if (exact is not null && (exact.Typed || (OpenMetrics && exact == _current)))
            {
                var expected = string.Join(", ", MetricFamilyState.SuffixesOf(exact.Type, _format).Select(s => exact.Name + s));
                throw line.Error($"sample {name} does not fit the {exact.Type.ToString().ToLowerInvariant()} family {exact.Name}: its samples are named {expected}", nameAt);
            }
            _families[name] = owner = exact ?? new MetricFamilyState(name);
        }
        if (owner != _current)
        {
            if (owner.HasSamples || owner.Ended)
                throw line.Error($"sample of {owner.Name} after other families: a family's lines must be together", nameAt);
            SwitchTo(owner);
        }
        owner.HasSamples = true;
        return (owner, suffix);
    }

    private void SwitchTo(MetricFamilyState family)
    {
        if (_current is not null) EndFamily(_current);
        _current = family;
    }

    /// <summary>Every histogram series needs its le="+Inf" bucket; checked when the family's lines end.</summary>
    private static void EndFamily(MetricFamilyState family)
    {
        family.Ended = true;
        foreach (var (_, bucket) in family.Buckets)
        {
            if (!bucket.HasInfinity)
                throw new ExpositionFormatException($"histogram {family.Name} has a series without its le=\"+Inf\" bucket", bucket.Line, 1, bucket.Text);
        }
        family.Buckets.Clear();
    }

    private void CheckSample(MetricFamilyState family, string suffix, string name, Dictionary<string, string> labels, double value, LineCursor line,
        int labelsAt, int valueAt)
    {
        if (!family.Series.Add(name + SeriesKey(labels, null)))
            throw line.Error($"duplicate sample {name} with the same labels", labelsAt);
        switch (family.Type)
        {
            case MetricType.Histogram or MetricType.GaugeHistogram when suffix == "_bucket":
                if (!labels.TryGetValue("le", out var le)) throw line.Error($"histogram bucket {name} without an le label", labelsAt);
                var bound = ParseNumber(le, allowSpecial: true);
                if (bound is null or double.NaN) throw line.Error($"le label value '{le}' is not a number", labelsAt);
                var key = SeriesKey(labels, "le");
                var seen = family.Buckets.GetValueOrDefault(key, (Line: line.LineNumber, Text: line.Text, HasInfinity: false));
                family.Buckets[key] = seen with { HasInfinity = seen.HasInfinity || double.IsPositiveInfinity(bound.Value) };
                break;
            case MetricType.Summary when suffix == "":
                if (!labels.TryGetValue("quantile", out var q)) throw line.Error($"summary sample {name} without a quantile label", labelsAt);
                if (ParseNumber(q, allowSpecial: false) is not (>= 0 and <= 1)) throw line.Error($"quantile label value '{q}' is not a number from 0 to 1", labelsAt);
                break;
            case MetricType.Counter when OpenMetrics && suffix == "_total" && (double.IsNaN(value) || value < 0):
                throw line.Error("a counter's total must not be negative or NaN", valueAt);
            case MetricType.StateSet when !labels.ContainsKey(family.Name):
                throw line.Error($"stateset sample {name} without a {family.Name} label", labelsAt);
            case MetricType.StateSet when value is not (0 or 1):
                throw line.Error("a stateset value must be 0 or 1", valueAt);
            case MetricType.Info when value != 1:
                throw line.Error("an info value must be 1", valueAt);
        }
    }

    private static string SeriesKey(Dictionary<string, string> labels, string? without) =>
        "{" + string.Join(",", labels.Where(l => l.Key != without).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    /// <summary>{name="value",...}: label names [a-zA-Z_][a-zA-Z0-9_]*, each once, values quoted with \\, \" and \n escapes.</summary>
    private Dictionary<string, string> ReadLabels(LineCursor line, string what)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var openAt = line.Position;
        line.Position++;
        while (true)
        {
            if (!OpenMetrics) line.SkipBlanks();
            if (line.AtEnd) throw line.Error("unterminated label set: '}' is missing", openAt);
            if (line.Current == '}')
            {
                if (OpenMetrics && labels.Count > 0) throw line.Error("a label set must not end with a comma");
                line.Position++;
                return labels;
            }
            var nameAt = line.Position;
            var name = line.ReadName(allowColon: false, $"{what} name");
            if (!OpenMetrics) line.SkipBlanks();
            if (line.Current != '=')
                throw line.Error(line.AtEnd || line.Current is ' ' or ',' or '}' ? $"expected '=' after {what} name {name}" : $"invalid {what} name: it must match [a-zA-Z_][a-zA-Z0-9_]*", line.AtEnd || line.Current is ' ' or ',' or '}' ? null : nameAt);
            line.Position++;
            if (!OpenMetrics) line.SkipBlanks();
            if (line.Current != '"') throw line.Error($"the value of {what} {name} must be quoted");
            var quoteAt = line.Position;
            line.Position++;
            var value = ReadEscaped(line, escapeQuote: true, terminator: '"')
                ?? throw line.Error($"unterminated quoted value of {what} {name}", quoteAt);
            if (!labels.TryAdd(name, value)) throw line.Error($"duplicate {what} name {name}", nameAt);
            if (!OpenMetrics) line.SkipBlanks();
            if (line.Current == ',')
            {
                line.Position++;
                if (OpenMetrics && line.Current == '}') throw line.Error("a label set must not end with a comma");
                continue;
            }
            if (line.Current == '}')
            {
                line.Position++;
                return labels;
            }
            throw line.Error(line.AtEnd ? "unterminated label set: '}' is missing" : "expected ',' or '}' after a label value", line.AtEnd ? openAt : null);
        }
    }

    /// <summary>Text up to <paramref name="terminator"/> (consumed) or the line's end, unescaping \\, \n and (if allowed) \". Null when the terminator never came.</summary>
    private static string? ReadEscaped(LineCursor line, bool escapeQuote, char? terminator)
    {
        var text = new StringBuilder();
        while (!line.AtEnd)
        {
            var c = line.Current;
            if (c == terminator)
            {
                line.Position++;
                return text.ToString();
            }
            if (c == '\\')
            {
                line.Position++;
                switch (line.Current)
                {
                    case '\\': text.Append('\\'); break;
                    case 'n': text.Append('\n'); break;
                    case '"' when escapeQuote: text.Append('"'); break;
                    default: throw line.Error($"invalid escape sequence '\\{line.Current}'", line.Position - 1);
                }
            }
            else
            {
                text.Append(c);
            }
            line.Position++;
        }
        return terminator is null ? text.ToString() : null;
    }

    /// <summary>One space in OpenMetrics; one or more blanks or tabs in 0.0.4.</summary>
    private void Separator(LineCursor line, string reason)
    {
        if (OpenMetrics)
        {
            line.Expect(' ', reason);
            if (line.Current == ' ') throw line.Error("exactly one space must separate the fields");
            return;
        }
        if (line.Current is not (' ' or '\t')) throw line.Error(reason);
        line.SkipBlanks();
    }

    private bool HasMoreFields(LineCursor line)
    {
        if (OpenMetrics) return !line.AtEnd;
        var at = line.Position;
        line.SkipBlanks();
        var more = !line.AtEnd;
        line.Position = at;
        return more;
    }

    private static string ReadField(LineCursor line)
    {
        var start = line.Position;
        while (!line.AtEnd && line.Current is not (' ' or '\t' or '#')) line.Position++;
        if (line.Position == start) throw line.Error("a value is missing");
        return line.Text[start..line.Position];
    }

    private static void TrailingBlanksOnly(LineCursor line)
    {
        line.SkipBlanks();
        if (!line.AtEnd) throw line.Error("unexpected text at the end of the line");
    }

    /// <summary>Milliseconds as an integer in 0.0.4, seconds as a real number in OpenMetrics.</summary>
    private DateTimeOffset ReadTimestamp(LineCursor line)
    {
        var at = line.Position;
        var text = ReadField(line);
        try
        {
            if (!OpenMetrics)
            {
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
                    throw line.Error($"invalid timestamp '{text}': 0.0.4 timestamps are integer milliseconds", at);
                return DateTimeOffset.FromUnixTimeMilliseconds(ms);
            }
            var seconds = ParseNumber(text, allowSpecial: false) ?? throw line.Error($"invalid timestamp '{text}': OpenMetrics timestamps are seconds", at);
            return DateTimeOffset.FromUnixTimeMilliseconds(checked((long)Math.Round(seconds * 1000)));
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or OverflowException)
        {
            throw line.Error($"timestamp '{text}' is out of range", at);
        }
    }

    /// <summary>OpenMetrics " # {labels} value [timestamp]", allowed on counter totals and histogram buckets; validated, then dropped.</summary>
    private void ReadExemplar(LineCursor line, MetricFamilyState family, string suffix)
    {
        var at = line.Position;
        if (!line.Text.AsSpan(line.Position).StartsWith("# {"))
            throw line.Error("unexpected text after the sample: only an exemplar (# {labels} value) may follow");
        if (suffix != "_bucket" && !(family.Type == MetricType.Counter && suffix == "_total"))
            throw line.Error("an exemplar is allowed only on a counter's _total or a histogram's _bucket sample", at);
        line.Position += 2;
        var labels = ReadLabels(line, "exemplar label");
        if (labels.Sum(l => l.Key.Length + l.Value.Length) > MaxExemplarLabelChars)
            throw line.Error($"exemplar labels exceed {MaxExemplarLabelChars} characters", at);
        Separator(line, "a space must separate the exemplar's labels from its value");
        var valueAt = line.Position;
        var value = ReadField(line);
        if (ParseNumber(value, allowSpecial: true) is null) throw line.Error($"invalid exemplar value '{value}'", valueAt);
        if (!line.AtEnd)
        {
            Separator(line, "a space must separate the exemplar's value from its timestamp");
            ReadTimestamp(line);
        }
        if (!line.AtEnd) throw line.Error("unexpected text at the end of the line");
    }

    /// <summary>A decimal number, or with <paramref name="allowSpecial"/> NaN and [+-]Inf(inity) in any case, as both formats allow.</summary>
    internal static double? ParseNumber(string text, bool allowSpecial)
    {
        switch (text.ToLowerInvariant())
        {
            case "nan": return allowSpecial ? double.NaN : null;
            case "inf" or "+inf" or "infinity" or "+infinity": return allowSpecial ? double.PositiveInfinity : null;
            case "-inf" or "-infinity": return allowSpecial ? double.NegativeInfinity : null;
        }
        if (text.Length == 0 || text.Any(c => !(char.IsAsciiDigit(c) || c is '+' or '-' or '.' or 'e' or 'E'))) return null;
        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture,
            out var value) ? value : null;
    }
}
