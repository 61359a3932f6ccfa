using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Alerting.Rules.UnitTesting;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Tests.Alerting.Rules.UnitTesting;

/// <summary>
/// The runner's results on small test files. Verdicts and texts are what promtool test rules 2.42
/// gives on the same files; tests/pester/PrometheusRuleTest.Tests.ps1 compares with promtool itself.
/// </summary>
public sealed class RuleTestRunnerTests : IDisposable
{
    private const string Rules = """
        groups:
          - name: g
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
              - alert: Down
                expr: up == 0
                for: 2m
                labels: { severity: page }
                annotations: { summary: "{{ $labels.instance }} down" }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("ruletest-runner-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private List<RuleTestResult> Run(string tests, string rules = Rules, params string[] run)
    {
        File.WriteAllText(Path.Combine(_directory, "r.yml"), rules);
        var read = RuleTestFileReader.Parse("rule_files: [r.yml]\n" + tests, Path.Combine(_directory, "t.yml"));
        Assert.Empty(read.Problems);
        return new RuleTestRunner(_time).Run(read.File, run.Select(r => new Regex(r)).ToList(), CancellationToken.None).ToList();
    }

    [Fact]
    public void Each_case_is_a_result_with_promtools_texts()
    {
        var results = Run("""
            tests:
              - name: down
                interval: 1m
                input_series:
                  - series: 'up{job="a", instance="x"}'
                    values: '1 1 0 0 0 0'
                alert_rule_test:
                  - eval_time: 3m
                    alertname: Down
                    exp_alerts: []
                  - eval_time: 5m
                    alertname: Down
                    exp_alerts: []
                promql_expr_test:
                  - expr: job:up:sum
                    eval_time: 5m
                    exp_samples: [{labels: 'job:up:sum{job="a"}', value: 1}]
            """);

        Assert.Equal([RuleTestKind.Alert, RuleTestKind.Alert, RuleTestKind.Expression], results.Select(r => r.Kind));
        Assert.All(results, r => Assert.Equal(("down", _time.GetUtcNow()), (r.TestGroup, r.Timestamp)));
        var pending = results[0];
        Assert.True(pending.Passed);
        Assert.Equal(("Down", TimeSpan.FromMinutes(3), "[]", "[]", null), (pending.Subject, pending.EvalTime, pending.Expected, pending.Actual, pending.Message));
        var firing = results[1];
        Assert.False(firing.Passed);
        Assert.Equal("[\n0:\n  Labels:{alertname=\"Down\", instance=\"x\", job=\"a\", severity=\"page\"}\n  Annotations:{summary=\"x down\"}\n]", firing.Actual);
        Assert.Equal("""
                name: down,
                alertname: Down, time: 5m, 
                    exp:[], 
                    got:[
                        0:
                          Labels:{alertname="Down", instance="x", job="a", severity="page"}
                          Annotations:{summary="x down"}
                        ]
            """.Replace("\r", "", StringComparison.Ordinal), firing.Message);
        var expression = results[2];
        Assert.False(expression.Passed);
        Assert.Equal(("{__name__=\"job:up:sum\", job=\"a\"} 1E+00", "{__name__=\"job:up:sum\", job=\"a\"} 0E+00"), (expression.Expected, expression.Actual));
        Assert.Equal("    expr: \"job:up:sum\", time: 5m,\n        exp: {__name__=\"job:up:sum\", job=\"a\"} 1E+00\n        got: {__name__=\"job:up:sum\", job=\"a\"} 0E+00", expression.Message);
    }

    [Fact]
    public void Run_keeps_only_the_groups_whose_name_matches_and_unnamed_groups_show_their_index()
    {
        const string tests = """
            tests:
              - name: alpha
                interval: 1m
                promql_expr_test: [{expr: vector(1), eval_time: 0m, exp_samples: [{labels: '{}', value: 1}]}]
              - interval: 1m
                promql_expr_test: [{expr: vector(1), eval_time: 0m, exp_samples: [{labels: '{}', value: 1}]}]
              - name: beta
                interval: 1m
                promql_expr_test: [{expr: vector(1), eval_time: 0m, exp_samples: [{labels: '{}', value: 1}]}]
            """;

        Assert.Equal(["alpha", "1", "beta"], Run(tests).Select(r => r.TestGroup));
        Assert.Equal(["beta"], Run(tests, Rules, "^b").Select(r => r.TestGroup));
        Assert.Equal(["1"], Run(tests, Rules, "^$").Select(r => r.TestGroup));
    }

    [Fact]
    public void A_rule_that_fails_at_a_step_ends_its_group_there()
    {
        const string rules = """
            groups:
              - name: clash
                rules:
                  - record: combined
                    expr: part
                    labels: { k: "" }
            """;
        var results = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'part{k="1"}'
                    values: '1 1'
                  - series: 'part{k="2"}'
                    values: '1 1'
                promql_expr_test: [{expr: part, eval_time: 1m, exp_samples: []}]
              - interval: 1m
                promql_expr_test: [{expr: vector(1), eval_time: 0m, exp_samples: [{labels: '{}', value: 1}]}]
            """, rules);

        Assert.Equal(2, results.Count);
        var failure = results[0];
        Assert.Equal((RuleTestKind.Evaluation, "combined", TimeSpan.Zero, false), (failure.Kind, failure.Subject, failure.EvalTime, failure.Passed));
        Assert.Equal("    rule: combined, time: 0s, err: vector contains metrics with the same labelset after applying rule labels\n(the test group stops here; 1 later case(s) not checked)",
            failure.Message);
        // The next group runs as usual, as promtool runs every group of a file.
        Assert.Equal((RuleTestKind.Expression, "1", true), (results[1].Kind, results[1].TestGroup, results[1].Passed));
    }

    [Fact]
    public void Rule_files_that_do_not_load_fail_every_group_naming_file_and_line()
    {
        const string rules = """
            groups:
              - name: g
                rules:
                  - alert: Bad
                    expr: predict_linear(up[5m], 60) > 0
            """;
        var results = Run("""
            tests:
              - interval: 1m
                promql_expr_test: [{expr: vector(1), eval_time: 0m, exp_samples: [{labels: '{}', value: 1}]}]
              - interval: 1m
            """, rules);

        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal((RuleTestKind.Evaluation, false, Path.Combine(_directory, "r.yml")), (r.Kind, r.Passed, r.Subject)));
        Assert.StartsWith($"{Path.Combine(_directory, "r.yml")}:4: group \"g\", rule \"Bad\": ", results[0].Message, StringComparison.Ordinal);
        Assert.Contains("predict_linear", results[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expression_outside_the_engines_subset_fails_its_case_never_passes()
    {
        var result = Assert.Single(Run("""
            tests:
              - interval: 1m
                promql_expr_test: [{expr: 'holt_winters(up[5m], 0.5, 0.5)', eval_time: 0m, exp_samples: []}]
            """));

        Assert.False(result.Passed);
        Assert.Contains("holt_winters", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_series_that_do_not_parse_fail_the_group_naming_the_line()
    {
        var result = Assert.Single(Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'm'
                    values: '1 two 3'
                promql_expr_test: [{expr: m, eval_time: 0m, exp_samples: []}]
            """));

        Assert.Equal((RuleTestKind.Evaluation, "m", false), (result.Kind, result.Subject, result.Passed));
        Assert.StartsWith($"{Path.Combine(_directory, "t.yml")}:5: input series 'm' with values '1 two 3': ", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_interval_every_sample_is_at_time_zero_and_the_first_wins()
    {
        var results = Run("""
            tests:
              - input_series:
                  - series: 'm'
                    values: '3 4 5'
                promql_expr_test:
                  - {expr: m, eval_time: 4m, exp_samples: [{labels: m, value: 3}]}
                  - {expr: m, eval_time: 6m, exp_samples: []}
            """);

        Assert.All(results, r => Assert.True(r.Passed, r.Message));
    }
}
