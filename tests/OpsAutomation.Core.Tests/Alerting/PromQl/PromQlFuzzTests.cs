using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

/// <summary>Random and adversarial PromQL: every input is a result or a PromQlException, never another exception, a hang or a stack overflow.</summary>
public sealed class PromQlFuzzTests
{
    /// <summary>The expressions of the promtool-verified corpus and of the example rule file.</summary>
    internal static IReadOnlyList<string> Corpus { get; } =
    [
        .. PromtoolCorpus.Files().SelectMany(f => PromtoolCorpus.Read(f).Tests).SelectMany(g => g.PromqlExprTest).Select(t => t.Expr),
        .. RuleFileReader.Read(Path.Combine(AppContext.BaseDirectory, "examples", "prometheus", "ops-health.rules.yml")).File.Groups.SelectMany(g => g.Rules).Select(r => r.Expression),
        "x offset 5m @ 1700000000 > x @ start() offset -1h", "max_over_time(rate(x[5m])[1h:5m] offset 1d)", "x * on(a) group_left(b) y atan2 z",
        "topk(3, x) or count_values(\"v\", x) or label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")", "0x1F + 017 + 1e3 + Inf - NaN + .5",
    ];

    internal static IReadOnlyList<string> Tokens { get; } =
    [
        "(", ")", "{", "}", "[", "]", ",", ":", "@", "=", "!=", "=~", "!~", "==", "+", "-", "*", "/", "%", "^", ">", "<", ">=", "<=", " ",
        "sum", "avg", "count", "topk", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "atan2",
        "offset", "start()", "end()", "rate(", "abs(", "round(", "histogram_quantile(", "label_join(", "time()", "vector(", "scalar(",
        "x", "up", "__name__", "le", "1", "0", "-1", "1e308", "0x", "Inf", "NaN", "5m", "1h30m", "0s", "'a'", "\"b\"", "`c`", "\"\\u",
        "{job=\"a\"}", "[5m]", "[1h:]", "#",
    ];

    internal static IReadOnlyList<(string, string)> Nesting { get; } = [("(", ")"), ("-(", ")"), ("abs(", ")"), ("sum(", ")"), ("-", ""), ("2 ^ ", ""), ("x + ", "")];

    private static readonly SeriesStore Series = Store();

    private static SeriesStore Store()
    {
        var store = new SeriesStore();
        foreach (var (job, value) in (ReadOnlySpan<(string, double)>)[("a", 1), ("b", 0)])
        {
            for (var minute = 0; minute <= 10; minute++)
                store.Add(new Dictionary<string, string> { ["__name__"] = "up", ["job"] = job }, minute * 60_000L, value * minute);
        }
        return store;
    }

    [Fact]
    public void Mutated_and_deeply_nested_expressions_parse_evaluate_or_fail_with_PromQlException()
    {
        var engine = new PromQlEngine(Series);
        new Fuzz(Corpus, Tokens, Nesting).Run(1000, input =>
        {
            Fuzz.Allowing<PromQlException>(() => PromQlEngine.CheckSyntax(input));
            // Parse errors are results here; an evaluation that throws would escape.
            engine.Query(input, DateTimeOffset.FromUnixTimeMilliseconds(600_000));
            Fuzz.Allowing<PromQlException>(() => ExpressionWindow.Of(input));
        });
    }
}
