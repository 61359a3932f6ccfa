using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsAutomation.Core.Alerting.Rules.UnitTesting;

/// <summary>A unit-test file as read: the tests when it is valid, every problem, and warnings (a rule_files pattern that matched nothing).</summary>
public sealed record RuleTestFileReadResult(RuleTestFile File, IReadOnlyList<RuleFileProblem> Problems, IReadOnlyList<string> Warnings)
{
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Reads promtool rule unit-test files as promtool 2.42 does (yaml.v2 UnmarshalStrict): unknown
/// fields, values of the wrong type, bad durations and a repeated group_eval_order entry make the
/// whole file fail, each problem located by line. What promtool checks per test group (input
/// series, alertname, expected labels) is left to the runner, which fails only that group.
/// </summary>
public static partial class RuleTestFileReader
{
    private static readonly string[] FileKeys = ["rule_files", "evaluation_interval", "group_eval_order", "tests"];
    private static readonly string[] GroupKeys = ["interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name"];
    private static readonly string[] SeriesKeys = ["series", "values"];
    private static readonly string[] AlertCaseKeys = ["eval_time", "alertname", "exp_alerts"];
    private static readonly string[] AlertKeys = ["exp_labels", "exp_annotations"];
    private static readonly string[] ExpressionCaseKeys = ["expr", "eval_time", "exp_samples"];
    private static readonly string[] SampleKeys = ["labels", "value"];

    public static RuleTestFileReadResult Read(string path, CancellationToken cancellationToken = default) =>
        Parse(File.ReadAllText(path), path, cancellationToken);

    public static RuleTestFileReadResult Parse(string text, string path, CancellationToken cancellationToken = default)
    {
        var reader = new Reader(path);
        var file = reader.ReadFile(text, cancellationToken);
        return new(file, reader.Problems, reader.Warnings);
    }

    private sealed class Reader(string path)
    {
        public List<RuleFileProblem> Problems { get; } = [];
        public List<string> Warnings { get; } = [];

        private RuleTestFile Empty => new(path, [], TimeSpan.FromMinutes(1), [], []);

        private void Problem(YamlNode node, string message) => Problems.Add(new(path, (int)node.Start.Line, null, null, message));

        public RuleTestFile ReadFile(string text, CancellationToken cancellationToken)
        {
            YamlStream stream;
            try
            {
                stream = BoundedYaml.Load(text);
            }
            catch (YamlException ex)
            {
                Problems.Add(new(path, (int)ex.Start.Line, null, null, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
                return Empty;
            }
            if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode)) return Empty;
            if (stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                Problem(stream.Documents[0].RootNode, "the file must be a mapping with 'rule_files' and 'tests'");
                return Empty;
            }
            CheckKeys(root, FileKeys, "the file");
            var ruleFiles = List(root, "rule_files", node => String(node, "rule_files entry")).OfType<string>().ToList();
            var interval = Duration(root, "evaluation_interval") is { } given && given > TimeSpan.Zero ? given : TimeSpan.FromMinutes(1);
            var order = new List<string>();
            foreach (var (node, name) in List(root, "group_eval_order", node => (node, String(node, "group_eval_order entry"))))
            {
                if (name is null) continue;
                if (order.Contains(name)) Problem(node, $"group name repeated in evaluation order: {name}");
                order.Add(name);
            }
            var tests = new List<RuleTestGroup>();
            foreach (var node in List(root, "tests", node => node))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (ReadGroup(node, tests.Count) is { } group) tests.Add(group);
            }
            return new RuleTestFile(path, ResolveRuleFiles(ruleFiles), interval, order, tests);
        }

        private RuleTestGroup? ReadGroup(YamlNode node, int index)
        {
            if (Mapping(node, "a test group") is not { } map) return null;
            CheckKeys(map, GroupKeys, "a test group");
            var series = List(map, "input_series", ReadSeries).OfType<InputSeries>().ToList();
            var alerts = List(map, "alert_rule_test", ReadAlertCase).OfType<AlertTestCase>().ToList();
            var expressions = List(map, "promql_expr_test", ReadExpressionCase).OfType<ExpressionTestCase>().ToList();
            StringMap(map, "external_labels");
            Scalar(map, "external_url");
            return new RuleTestGroup(index, Scalar(map, "name") ?? "", Duration(map, "interval") ?? TimeSpan.Zero, series, alerts, expressions, (int)map.Start.Line);
        }

        private InputSeries? ReadSeries(YamlNode node)
        {
            if (Mapping(node, "an input series") is not { } map) return null;
            CheckKeys(map, SeriesKeys, "an input series");
            return new InputSeries(Scalar(map, "series") ?? "", Scalar(map, "values") ?? "", (int)map.Start.Line);
        }

        private AlertTestCase? ReadAlertCase(YamlNode node)
        {
            if (Mapping(node, "an alert_rule_test case") is not { } map) return null;
            CheckKeys(map, AlertCaseKeys, "an alert_rule_test case");
            var expected = List(map, "exp_alerts", item =>
            {
                if (Mapping(item, "an expected alert") is not { } alert) return null;
                CheckKeys(alert, AlertKeys, "an expected alert");
                return new ExpectedAlert(StringMap(alert, "exp_labels"), StringMap(alert, "exp_annotations"));
            }).OfType<ExpectedAlert>().ToList();
            return new AlertTestCase(Duration(map, "eval_time") ?? TimeSpan.Zero, Scalar(map, "alertname") ?? "", expected, (int)map.Start.Line);
        }

        private ExpressionTestCase? ReadExpressionCase(YamlNode node)
        {
            if (Mapping(node, "a promql_expr_test case") is not { } map) return null;
            CheckKeys(map, ExpressionCaseKeys, "a promql_expr_test case");
            var samples = List(map, "exp_samples", item =>
            {
                if (Mapping(item, "an expected sample") is not { } sample) return null;
                CheckKeys(sample, SampleKeys, "an expected sample");
                return new ExpectedSample(Scalar(sample, "labels") ?? "", Float(sample, "value") ?? 0, (int)sample.Start.Line);
            }).OfType<ExpectedSample>().ToList();
            return new ExpressionTestCase(Scalar(map, "expr") ?? "", Duration(map, "eval_time") ?? TimeSpan.Zero, samples, (int)map.Start.Line);
        }

        private List<T> List<T>(YamlMappingNode map, string key, Func<YamlNode, T> item)
        {
            if (Child(map, key) is not { } child || IsNull(child)) return [];
            if (child is YamlSequenceNode sequence) return sequence.Children.Select(item).ToList();
            Problem(child, $"'{key}' must be a list");
            return [];
        }

        private YamlMappingNode? Mapping(YamlNode node, string what)
        {
            if (node is YamlMappingNode map) return map;
            if (!IsNull(node)) Problem(node, $"{what} must be a mapping");
            return null;
        }

        private Dictionary<string, string> StringMap(YamlMappingNode map, string key)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Child(map, key) is not { } child || IsNull(child)) return result;
            if (child is not YamlMappingNode entries)
            {
                Problem(child, $"'{key}' must be a mapping of names to values");
                return result;
            }
            foreach (var (name, value) in entries.Children)
            {
                if (String(name, $"a name in '{key}'") is not { } text) continue;
                if (value is YamlScalarNode scalar) result[text] = IsNull(scalar) ? "" : scalar.Value ?? "";
                else Problem(value, $"'{key}': the value of '{text}' must be a single value");
            }
            return result;
        }

        private string? Scalar(YamlMappingNode map, string key) =>
            Child(map, key) is { } child && !IsNull(child) ? String(child, $"'{key}'") : null;

        private string? String(YamlNode node, string what)
        {
            if (node is YamlScalarNode scalar) return IsNull(scalar) ? "" : scalar.Value ?? "";
            Problem(node, $"{what} must be a single value");
            return null;
        }

        private TimeSpan? Duration(YamlMappingNode map, string key)
        {
            if (Scalar(map, key) is not { } text) return null;
            if (PrometheusDuration.TryParse(text, out var duration)) return duration;
            Problem(Child(map, key)!, $"'{key}': not a valid duration string: \"{text}\"");
            return null;
        }

        private double? Float(YamlMappingNode map, string key)
        {
            if (Child(map, key) is not { } child || IsNull(child)) return null;
            if (child is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } && ParseYamlFloat(text) is { } value) return value;
            Problem(child, $"'{key}' must be a number, not {(child is YamlScalarNode s ? $"'{s.Value}'" : "a list or mapping")}");
            return null;
        }

        private void CheckKeys(YamlMappingNode node, string[] known, string what)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var keyNode in node.Children.Keys)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (!seen.Add(key)) Problem(keyNode, $"'{key}' is set twice in {what}");
                if (Array.IndexOf(known, key) < 0) Problem(keyNode, $"unknown field '{key}' in {what}; known are {string.Join(", ", known)}");
            }
        }

        private List<string> ResolveRuleFiles(List<string> patterns)
        {
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
            var files = new List<string>();
            foreach (var pattern in patterns)
            {
                var full = pattern.Length > 0 && !System.IO.Path.IsPathRooted(pattern) ? System.IO.Path.Combine(directory, pattern) : pattern;
                var matches = Glob(full);
                if (matches.Count == 0) Warnings.Add($"no file match pattern {full}");
                files.AddRange(matches);
            }
            return files;
        }
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>A plain YAML scalar as yaml.v2 decodes it into a float64: decimal or 0x/0o/0b/0-octal integers, decimals, .inf and .nan.</summary>
    internal static double? ParseYamlFloat(string text)
    {
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF": return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF": return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN": return double.NaN;
        }
        var plain = text.Replace("_", "", StringComparison.Ordinal);
        if (GoInteger(plain) is { } integer) return integer;
        return FloatPattern().IsMatch(plain) && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    // strconv.ParseInt(text, 0, 64): an optional sign, then 0x, 0o, 0b or a leading 0 for octal.
    private static double? GoInteger(string text)
    {
        var negative = text.StartsWith('-');
        var digits = text.TrimStart('+', '-');
        if (text.Length - digits.Length > 1 || digits.Length == 0) return null;
        var (radix, body) = digits.Length > 1 && digits[0] == '0'
            ? char.ToLowerInvariant(digits[1]) switch { 'x' => (16, digits[2..]), 'o' => (8, digits[2..]), 'b' => (2, digits[2..]), _ => (8, digits[1..]) }
            : (10, digits);
        if (body.Length == 0) return null;
        long value = 0;
        foreach (var c in body)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix) return null;
            try
            {
                value = checked(value * radix + digit);
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        return negative ? -value : value;
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    /// <summary>Go's filepath.Glob: '*', '?' and '[...]' within one path segment; matches sorted; a pattern without them names the file if it exists.</summary>
    internal static List<string> Glob(string pattern)
    {
        var separator = System.IO.Path.DirectorySeparatorChar;
        var segments = pattern.Split(separator);
        var roots = new List<string> { segments[0].Length == 0 ? separator.ToString() : segments[0] };
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            var next = new List<string>();
            foreach (var root in roots)
            {
                if (segment.IndexOfAny(['*', '?', '[']) < 0)
                {
                    var candidate = System.IO.Path.Combine(root, segment);
                    if (last ? File.Exists(candidate) || Directory.Exists(candidate) : Directory.Exists(candidate)) next.Add(candidate);
                    continue;
                }
                if (!Directory.Exists(root)) continue;
                var regex = new Regex(GlobToRegex(segment), RegexOptions.CultureInvariant);
                next.AddRange(Directory.EnumerateFileSystemEntries(root)
                    .Where(entry => regex.IsMatch(System.IO.Path.GetFileName(entry)) && (last || Directory.Exists(entry)))
                    .Order(StringComparer.Ordinal));
            }
            roots = next;
        }
        return segments.Length == 1 ? (File.Exists(pattern) ? [pattern] : []) : roots;
    }

    private static string GlobToRegex(string segment)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '\\' when i + 1 < segment.Length: sb.Append(Regex.Escape(segment[++i].ToString())); break;
                case '[':
                    var close = segment.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }
                    var body = segment[(i + 1)..close];
                    sb.Append('[').Append(body.StartsWith('^') ? "^" + body[1..].Replace("\\", @"\\", StringComparison.Ordinal) : body.Replace("\\", @"\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return sb.Append('$').ToString();
    }
}
