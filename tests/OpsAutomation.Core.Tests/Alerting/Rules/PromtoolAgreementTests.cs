using System.Text;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.Tests.Alerting.PromQl;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Alerting.Rules;

/// <summary>The reader's verdict against the real `promtool check rules` (Debian's prometheus package) on the same files.</summary>
public sealed class PromtoolAgreementTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, string> Files => new()
    {
        { "valid", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        labels: { severity: page }\n        annotations: { summary: '{{ $labels.job }} down at {{ $value | humanize }}' }\n      - record: job:up:sum\n        expr: sum by (job) (up)\n" },
        { "bad-yaml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n       for: 5m\n" },
        { "missing-expr", "groups:\n  - name: g\n    rules:\n      - alert: A\n" },
        { "alert-and-record", "groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n        expr: up\n" },
        { "bad-duration", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n" },
        { "bad-label-name", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: { bad-name: x }\n" },
        { "unknown-key", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        severity: page\n" },
        { "for-in-record", "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n        for: 1m\n" },
        { "repeated-group", "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Valid_and_invalid_agree_with_promtool(string name, string text)
    {
        var path = _directory.File(name + ".yml", text);

        var (exitCode, output) = await Promtool.RunAsync("check", "rules", path);
        var ours = RuleFileReader.Read(path);

        Assert.True((exitCode == 0) == ours.IsValid, $"promtool exit {exitCode}, ours {string.Join("; ", ours.Problems)}; promtool said: {output}");
    }

    [Fact]
    public async Task Duplicate_rules_are_flagged_as_promtool_flags_them()
    {
        var path = _directory.File("dup.yml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n      - alert: A\n        expr: up == 0\n");

        var (_, output) = await Promtool.RunAsync("check", "rules", path);
        var ours = RuleFileReader.Read(path);

        Assert.Contains("1 duplicate rule(s) found", output, StringComparison.Ordinal);
        Assert.Contains(ours.Problems, p => p.Message.StartsWith("duplicate rule", StringComparison.Ordinal));
    }

    /// <summary>Expressions in and outside the in-process subset, valid and not, as promtool 2.42 judges them.</summary>
    public static readonly string[] Expressions =
    [
        // In the subset.
        "up == 0", "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05",
        "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))", "SUM BY (job) (x) AND x", "round(x)", "x{}", "-x ^ 2", "1 < bool 2",
        "absent(up{job=\"a\"})", "0x1F + 017 + Inf", "x # a comment",
        // Valid PromQL outside the subset: never reported invalid.
        "predict_linear(x[1h], 3600) < 0", "topk(3, y offset 5m)", "max_over_time(rate(x[5m])[1h:5m] offset 1d)", "x[1h:]",
        "x * on (a) group_left (b) z", "x / ignoring (a) group_right y", "x atan2 y", "x @ start() offset -5m", "x[5m] @ 100 offset 1m",
        "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")", "label_join(x, \"a\", \",\", \"b\", \"c\")", "hour()", "day_of_week(x) == 1",
        "count_values(\"v\", x)", "quantile(0.9, x)", "stddev(x) or group(x) or stdvar(x)", "holt_winters(x[1h], 0.5, 0.5)", "pi()",
        "histogram_fraction(0, 0.2, x)", "by", "offset", "sum", "and", "start{a=\"b\"}", "x{bool=\"a\", on=\"b\"}", "sum by (by, bool) (x)",
        // Syntax and type errors promtool reports: never valid.
        "sum(", "up ==", "rate(x)", "x offset 5m +", "topk(x)", "x and on (a) group_left y", "(x) offset 5m", "x offset 5m [5m]",
        "x[5m][1h:1m]", "x[1h:1m][5m]", "x offset 0s", "x @ 5m", "x @ 5 @ 6", "label_join(x, \"a\")", "hour(x, x)", "{a=\"\"}",
        "sum(x) by (a) by (b)", "nosuchfunc(x)", "x{a=\"\\uD800\"}", "x $ 1", "x > 5m", "1 > 2", "x and 1", "x[5m] + 1",
        "group_left", "bool{a=\"b\"}", "on", "ignoring", "atan2", "sum by (without) (x)", "x % 31e308",
    ];

    [Fact]
    public async Task Every_expression_gets_promtool_s_verdict() => await AssertAgreementAsync(Expressions);

    /// <summary>
    /// The PromQL fuzzer's inputs (made single-line and printable), with promtool as the oracle of
    /// every one; except those nested deeper than the parser's limit, which promtool accepts and the
    /// module refuses by design (PromQlLimits.MaxDepth).
    /// </summary>
    [Fact]
    public async Task Mutated_expressions_get_promtool_s_verdict()
    {
        var fuzz = new Fuzz(PromQlFuzzTests.Corpus, PromQlFuzzTests.Tokens, PromQlFuzzTests.Nesting);
        var inputs = Enumerable.Range(0, 600).Select(fuzz.Input)
            .Select(e => e.Replace('\n', ' '))
            .Where(e => e.Length < 20_000 && !string.IsNullOrWhiteSpace(e) && e.All(c => c is >= ' ' and <= '~') && !TooDeep(e))
            .ToList();

        await AssertAgreementAsync(inputs);
    }

    private static bool TooDeep(string expression)
    {
        try
        {
            PromQlEngine.CheckSyntax(expression);
            return false;
        }
        catch (PromQlException ex)
        {
            return ex.Kind == PromQlErrorKind.TooDeep;
        }
    }

    private async Task AssertAgreementAsync(IReadOnlyList<string> expressions)
    {
        // One rule per expression in one file: promtool names every rule it refuses.
        var yaml = new StringBuilder("groups:\n  - name: g\n    rules:\n");
        for (var i = 0; i < expressions.Count; i++)
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - record: r{i}\n        expr: '{expressions[i].Replace("'", "''", StringComparison.Ordinal)}'\n");
        var path = _directory.File("expressions.yml", yaml.ToString());

        var (_, output) = await Promtool.RunAsync("check", "rules", path);
        var theirs = Regex.Matches(output, @"rule \d+, ""r(\d+)""").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        var ours = RuleFileReader.Read(path).Problems.Where(p => p.Rule is not null).Select(p => int.Parse(p.Rule![1..], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();

        var disagreements = Enumerable.Range(0, expressions.Count).Where(i => theirs.Contains(i) != ours.Contains(i))
            .Select(i => $"{(theirs.Contains(i) ? "promtool refuses, we accept" : "we refuse, promtool accepts")}: {expressions[i]}").ToList();
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements) + "\n" + output);
    }
}
