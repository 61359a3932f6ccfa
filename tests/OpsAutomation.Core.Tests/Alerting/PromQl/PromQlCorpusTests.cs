using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

/// <summary>
/// The engine against the corpus of promtool unit-test files (corpus/*.yml): their expected
/// samples are what the real Prometheus engine answers, as `promtool test rules` confirms.
/// </summary>
public sealed class PromQlCorpusTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var cases = new TheoryData<string, int, int>();
        foreach (var path in PromtoolCorpus.Files())
        {
            var file = PromtoolCorpus.Read(path);
            for (var g = 0; g < file.Tests.Count; g++)
            {
                for (var e = 0; e < file.Tests[g].PromqlExprTest.Count; e++) cases.Add(Path.GetFileName(path), g, e);
            }
        }
        return cases;
    }

    [Fact]
    public void The_corpus_covers_the_subset_with_at_least_forty_expressions() => Assert.True(Cases().Count >= 40, $"only {Cases().Count} corpus expressions");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Engine_answers_as_promtool_expects(string file, int group, int index)
    {
        var tests = PromtoolCorpus.Read(Path.Combine(PromtoolCorpus.Directory, file)).Tests[group];
        var test = tests.PromqlExprTest[index];
        var engine = new PromQlEngine(PromtoolCorpus.Load(tests));
        var time = DateTimeOffset.UnixEpoch + PromtoolCorpus.Duration(test.EvalTime, TimeSpan.Zero);

        var result = engine.Query(test.Expr, time);

        Assert.True(result.Error is null, $"{test.Expr} at {test.EvalTime}: {result.Error}");
        var expected = test.ExpSamples
            .Select(s => (Labels: Key(SeriesNotation.ParseSeries(string.IsNullOrEmpty(s.Labels) ? "{}" : s.Labels).Labels), Value: PromtoolCorpus.Value(s.Value)))
            .OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
        var actual = result.Samples.Select(s => (Labels: Key(s.Labels), s.Value)).OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
        var message = $"{test.Expr} at {test.EvalTime}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]";
        Assert.True(expected.Count == actual.Count, message);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Labels == actual[i].Labels, message);
            Assert.True(Close(expected[i].Value, actual[i].Value), message);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Promtool_confirms_the_corpus_file(string file)
    {
        var (exitCode, output) = await Promtool.RunAsync("test", "rules", Path.Combine(PromtoolCorpus.Directory, file));
        Assert.True(exitCode == 0, $"promtool test rules {file} exited {exitCode}: {output}");
    }

    public static TheoryData<string> Files() => new(PromtoolCorpus.Files().Select(Path.GetFileName).OfType<string>());

    // As promtool's comparison, with a relative tolerance of 1e-6; NaN and infinities exactly.
    private static bool Close(double expected, double actual)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual)) return double.IsNaN(expected) && double.IsNaN(actual);
        if (double.IsInfinity(expected) || double.IsInfinity(actual)) return expected == actual;
        return expected == actual || Math.Abs(expected - actual) <= 1e-6 * Math.Max(Math.Abs(expected), Math.Abs(actual));
    }

    private static string Key(IReadOnlyDictionary<string, string> labels) =>
        "{" + string.Join(", ", labels.Where(l => l.Value.Length > 0).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}
