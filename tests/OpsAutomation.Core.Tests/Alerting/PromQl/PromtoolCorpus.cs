using System.Globalization;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

/// <summary>
/// A minimal reader of promtool's rule unit-test files, only what the PromQL corpus uses:
/// interval, input_series and promql_expr_test (the full runner is a cmdlet of its own).
/// </summary>
internal static class PromtoolCorpus
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Alerting", "PromQl", "corpus");

    public static IEnumerable<string> Files() => System.IO.Directory.EnumerateFiles(Directory, "*.yml").Order(StringComparer.Ordinal);

    public static UnitTestFile Read(string path) =>
        new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).IgnoreUnmatchedProperties().Build()
            .Deserialize<UnitTestFile>(File.ReadAllText(path));

    public static TimeSpan Duration(string? text, TimeSpan fallback)
    {
        if (text is null) return fallback;
        return PrometheusDuration.TryParse(text, out var duration) ? duration : throw new FormatException($"bad duration '{text}'");
    }

    /// <summary>Go YAML's floats: .inf, -.inf, .nan besides plain numbers.</summary>
    public static double Value(string text) => text.ToLowerInvariant() switch
    {
        ".inf" or "+.inf" => double.PositiveInfinity,
        "-.inf" => double.NegativeInfinity,
        ".nan" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>The group's input series, one point per interval from time 0, '_' skipped.</summary>
    public static SeriesStore Load(TestGroup group)
    {
        var store = new SeriesStore();
        var interval = (long)Duration(group.Interval, TimeSpan.FromMinutes(1)).TotalMilliseconds;
        foreach (var input in group.InputSeries)
        {
            var labels = SeriesNotation.ParseSeries(input.Series).Labels;
            var values = SeriesNotation.Expand(input.Values);
            for (var i = 0; i < values.Count; i++)
            {
                if (values[i] is { } value) store.Add(labels, i * interval, value);
            }
        }
        return store;
    }

    public sealed class UnitTestFile
    {
        public List<TestGroup> Tests { get; set; } = [];
    }

    public sealed class TestGroup
    {
        public string? Interval { get; set; }
        public List<InputSeries> InputSeries { get; set; } = [];
        public List<ExpressionTest> PromqlExprTest { get; set; } = [];
    }

    public sealed class InputSeries
    {
        public string Series { get; set; } = "";
        public string Values { get; set; } = "";
    }

    public sealed class ExpressionTest
    {
        public string Expr { get; set; } = "";
        public string EvalTime { get; set; } = "0s";
        public List<ExpectedSample> ExpSamples { get; set; } = [];
    }

    public sealed class ExpectedSample
    {
        public string? Labels { get; set; }
        public string Value { get; set; } = "";
    }
}
