using OpsAutomation.Core.Alerting.Rules.UnitTesting;

namespace OpsAutomation.Core.Tests.Alerting.Rules.UnitTesting;

public sealed class RuleTestFileReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ruletest-reader-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private RuleTestFileReadResult Parse(string text) => RuleTestFileReader.Parse(text, Path.Combine(_directory, "t.yml"));

    [Fact]
    public void A_full_test_file_keeps_every_field()
    {
        File.WriteAllText(Path.Combine(_directory, "a.rules.yml"), "groups: []");
        var result = Parse("""
            rule_files: [a.rules.yml]
            evaluation_interval: 30s
            group_eval_order: [g1, g2]
            tests:
              - name: first
                interval: 15s
                external_labels: { region: eu }
                external_url: http://example.invalid
                input_series:
                  - series: 'up{job="a"}'
                    values: '1+1x3'
                alert_rule_test:
                  - eval_time: 1m
                    alertname: Down
                    exp_alerts:
                      - exp_labels: { severity: page, code: 500 }
                        exp_annotations: { summary: down }
                promql_expr_test:
                  - expr: up
                    eval_time: 90s
                    exp_samples:
                      - labels: 'up{job="a"}'
                        value: 0x10
              - input_series: []
            """);

        Assert.Empty(result.Problems);
        var file = result.File;
        Assert.Equal([Path.Combine(_directory, "a.rules.yml")], file.RuleFiles);
        Assert.Equal(TimeSpan.FromSeconds(30), file.EvaluationInterval);
        Assert.Equal(["g1", "g2"], file.GroupEvalOrder);
        var group = file.Tests[0];
        Assert.Equal(("first", "first", TimeSpan.FromSeconds(15)), (group.Name, group.DisplayName, group.Interval));
        Assert.Equal(new InputSeries("up{job=\"a\"}", "1+1x3", 10), group.InputSeries.Single());
        var alert = group.AlertTests.Single();
        Assert.Equal((TimeSpan.FromMinutes(1), "Down"), (alert.EvalTime, alert.AlertName));
        Assert.Equal("500", alert.ExpectedAlerts.Single().Labels["code"]);
        Assert.Equal("down", alert.ExpectedAlerts.Single().Annotations["summary"]);
        var expression = group.ExpressionTests.Single();
        Assert.Equal(("up", TimeSpan.FromSeconds(90)), (expression.Expression, expression.EvalTime));
        Assert.Equal(new ExpectedSample("up{job=\"a\"}", 16, 22), expression.ExpectedSamples.Single());
        // promtool 2.42 has no default for a group's interval, and names an unnamed group by nothing.
        Assert.Equal((TimeSpan.Zero, "", "1"), (file.Tests[1].Interval, file.Tests[1].Name, file.Tests[1].DisplayName));
    }

    [Fact]
    public void Evaluation_interval_defaults_to_one_minute_and_an_empty_file_has_no_tests()
    {
        var result = Parse("");

        Assert.True(result.IsValid);
        Assert.Equal(TimeSpan.FromMinutes(1), result.File.EvaluationInterval);
        Assert.Empty(result.File.Tests);
    }

    [Theory]
    [InlineData("tests:\n  - interval: 1m\n    alert_rule_tests: []\n", 3, "unknown field 'alert_rule_tests' in a test group")]
    [InlineData("rule_file: [a.yml]\n", 1, "unknown field 'rule_file' in the file")]
    [InlineData("tests:\n  - promql_expr_test:\n      - expr: up\n        eval_time: 5\n", 4, "'eval_time': not a valid duration string: \"5\"")]
    [InlineData("evaluation_interval: 1 minute\n", 1, "'evaluation_interval': not a valid duration string")]
    [InlineData("tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n          - value: \"1\"\n", 5, "'value' must be a number, not '1'")]
    [InlineData("tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n          - value: one\n", 5, "'value' must be a number, not 'one'")]
    [InlineData("group_eval_order: [a, b, a]\n", 1, "group name repeated in evaluation order: a")]
    [InlineData("tests: {}\n", 1, "'tests' must be a list")]
    [InlineData("tests:\n  - alert_rule_test:\n      - exp_alerts:\n          - exp_labels: [a]\n", 4, "'exp_labels' must be a mapping of names to values")]
    [InlineData("tests:\n  - interval: [1m\n", 3, "not valid YAML")]
    public void Invalid_files_name_the_line_and_the_problem(string text, int line, string message)
    {
        var result = Parse(text);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(line, problem.Line);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(_directory, "t.yml") + ":" + line + ": ", problem.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-2.5", -2.5)]
    [InlineData("1e3", 1000.0)]
    [InlineData(".5", 0.5)]
    [InlineData("0x10", 16.0)]
    [InlineData("010", 8.0)]
    [InlineData("08", 8.0)]
    [InlineData("0o17", 15.0)]
    [InlineData("1_000", 1000.0)]
    [InlineData(".inf", double.PositiveInfinity)]
    [InlineData("-.Inf", double.NegativeInfinity)]
    [InlineData(".nan", double.NaN)]
    public void Values_read_as_yaml_v2_reads_a_float64(string text, double expected) =>
        Assert.Equal(expected, RuleTestFileReader.ParseYamlFloat(text));

    [Theory]
    [InlineData("one")]
    [InlineData("true")]
    [InlineData("Inf")]
    public void Values_yaml_v2_refuses_are_not_numbers(string text) => Assert.Null(RuleTestFileReader.ParseYamlFloat(text));

    [Fact]
    public void Rule_file_globs_expand_sorted_and_a_pattern_without_match_is_a_warning()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "rules"));
        foreach (var name in (string[])["b.yml", "a.yml", "c.txt"]) File.WriteAllText(Path.Combine(_directory, "rules", name), "");

        var result = Parse("rule_files: ['rules/*.yml', 'rules/[ab].yml', 'missing/*.yml', '/nowhere/x.yml']\n");

        Assert.True(result.IsValid);
        var a = Path.Combine(_directory, "rules", "a.yml");
        var b = Path.Combine(_directory, "rules", "b.yml");
        Assert.Equal([a, b, a, b], result.File.RuleFiles);
        Assert.Equal([$"no file match pattern {Path.Combine(_directory, "missing/*.yml")}", "no file match pattern /nowhere/x.yml"], result.Warnings);
    }
}
