using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Alerting.Rules;

public sealed class RuleFileReaderTests
{
    [Fact]
    public void The_examples_rule_file_loads_without_problems()
    {
        var result = RuleFileReader.Read(RepositoryPaths.File("examples", "prometheus", "ops-health.rules.yml"));

        Assert.Empty(result.Problems);
        var rules = result.File.Groups.SelectMany(g => g.Rules).ToList();
        Assert.Equal(12, rules.Count);
        Assert.Contains(rules, r => r.IsAlert && r.Name == "ServiceDown");
        Assert.Contains(rules, r => !r.IsAlert);
    }

    [Fact]
    public void A_valid_rule_keeps_its_fields()
    {
        const string text = """
            groups:
              - name: g
                interval: 30s
                rules:
                  - alert: High
                    expr: up == 0
                    for: 1h30m
                    keep_firing_for: 5m
                    labels: { severity: critical }
                    annotations: { summary: "{{ $labels.job }} down" }
            """;
        var result = RuleFileReader.Parse(text, "r.yml");

        Assert.Empty(result.Problems);
        var group = Assert.Single(result.File.Groups);
        Assert.Equal(TimeSpan.FromSeconds(30), group.Interval);
        var rule = Assert.Single(group.Rules);
        Assert.Equal(("High", "up == 0", TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(5), 5), (rule.Name, rule.Expression, rule.For, rule.KeepFiringFor, rule.Line));
        Assert.Equal("critical", Assert.Single(rule.Labels).Value.Text);
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n       for: 5m\n", "r.yml:6: not valid YAML" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n", "r.yml:4: group \"g\", rule \"A\": field 'expr' must be set in rule" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n        expr: up\n", "r.yml:4: group \"g\", rule \"A\": only one of 'record' and 'alert' must be set" },
        { "groups:\n  - name: g\n    rules:\n      - expr: up\n", "r.yml:4: group \"g\": one of 'record' or 'alert' must be set" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n", "r.yml:6: group \"g\", rule \"A\": 'for': not a valid duration string: \"5 minutes\"" },
        { "groups:\n  - name: g\n    interval: 1m5h\n    rules: []\n", "r.yml:3: group \"g\": 'interval': not a valid duration string: \"1m5h\"" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels:\n          bad-name: x\n", "r.yml:7: group \"g\", rule \"A\": invalid label name: bad-name" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        severity: page\n", "r.yml:6: group \"g\", rule \"A\": unknown field 'severity' in a rule" },
        { "groups:\n  - name: g\n    rules:\n      - record: job:up\n        expr: up\n        for: 5m\n", "r.yml:6: group \"g\", rule \"job:up\": invalid field 'for' in recording rule" },
        { "groups:\n  - name: g\n    rules:\n      - record: bad-name\n        expr: up\n", "r.yml:4: group \"g\", rule \"bad-name\": invalid recording rule name: bad-name" },
        { "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n", "r.yml:4: group \"g\": groupname: \"g\" is repeated in the same file" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n      - alert: A\n        expr: up == 0\n", "r.yml:6: group \"g\", rule \"A\": duplicate rule: the same name and labels as the rule on line 4" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations:\n          s: '{{ if $value }}x{{ end }}'\n", "r.yml:7: group \"g\", rule \"A\": annotation 's': unsupported template construct 'if'" },
        { "grups: []\n", "r.yml:1: unknown field 'grups' in the file" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rat(up[5m]) > 0\n", "r.yml:5: group \"g\", rule \"A\": could not parse expression: unknown function 'rat' at position 1" },
    };

    [Fact]
    public void An_expression_valid_in_Prometheus_but_outside_the_in_process_subset_is_no_problem()
    {
        var result = RuleFileReader.Parse("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: predict_linear(x[1h], 3600) < 0 or topk(3, y offset 5m) or max_over_time(y[10m:1m] @ end()) or x * on (a) group_left (b) z\n", "r.yml");

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_file_reports_the_problem_with_file_line_group_and_rule(string text, string expected)
    {
        var result = RuleFileReader.Parse(text, "r.yml");

        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Rules_with_the_same_name_but_other_labels_are_no_duplicates()
    {
        const string text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: { severity: warning }\n      - alert: A\n        expr: up\n        labels: { severity: critical }\n";
        Assert.Empty(RuleFileReader.Parse(text, "r.yml").Problems);
    }

    [Fact]
    public void A_duplicate_rule_is_a_lint_and_stays_in_its_group_as_Prometheus_evaluates_it()
    {
        const string text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n      - alert: A\n        expr: up == 0\n";
        var result = RuleFileReader.Parse(text, "r.yml");

        Assert.True(Assert.Single(result.Problems).IsLint);
        Assert.Equal(["up", "up == 0"], result.File.Groups[0].Rules.Select(r => r.Expression));
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_and_only_valid_rules_are_kept()
    {
        const string text = "groups:\n  - name: g\n    rules:\n      - alert: A\n      - alert: B\n        expr: up\n        for: x\n      - alert: C\n        expr: up\n";
        var result = RuleFileReader.Parse(text, "r.yml");

        Assert.Equal([4, 7], result.Problems.Select(p => p.Line));
        Assert.Equal("C", Assert.Single(result.File.Groups[0].Rules).Name);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("1w", 604800)]
    [InlineData("1500ms", 1.5)]
    public void Durations_parse_as_prometheus_reads_them(string text, double seconds)
    {
        Assert.True(PrometheusDuration.TryParse(text, out var duration));
        Assert.Equal(seconds, duration.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("1m1h")]
    [InlineData("1.5h")]
    [InlineData("-5m")]
    public void Bad_durations_are_refused(string text) => Assert.False(PrometheusDuration.TryParse(text, out _));
}
