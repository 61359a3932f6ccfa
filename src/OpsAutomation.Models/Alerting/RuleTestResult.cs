namespace OpsAutomation.Models.Alerting;

/// <summary>What a rule unit-test result checks.</summary>
public enum RuleTestKind
{
    /// <summary>An alert_rule_test case: the firing alerts of one alert name at an eval_time.</summary>
    Alert,

    /// <summary>A promql_expr_test case: the samples of an expression at an eval_time.</summary>
    Expression,

    /// <summary>
    /// A test group that could not be evaluated (its rule files or input series are invalid, or a rule
    /// failed at an evaluation step); promtool fails the group, so this result never passes.
    /// </summary>
    Evaluation,
}

/// <summary>One assertion of a promtool rule unit-test file (Invoke-PrometheusRuleTest).</summary>
public sealed record RuleTestResult
{
    /// <summary>The unit-test file.</summary>
    public required string File { get; init; }

    /// <summary>The test group's name, or its 0-based index in 'tests' when it has none.</summary>
    public required string TestGroup { get; init; }

    /// <summary>What is checked.</summary>
    public required RuleTestKind Kind { get; init; }

    /// <summary>The eval_time of the case, from the start of the test (time 0).</summary>
    public TimeSpan EvalTime { get; init; }

    /// <summary>The alert name, the expression, or for Evaluation the rule or input that failed.</summary>
    public required string Subject { get; init; }

    /// <summary>True when the actual alerts or samples equal the expected ones.</summary>
    public required bool Passed { get; init; }

    /// <summary>The expected alerts or samples, written as promtool writes them.</summary>
    public string Expected { get; init; } = "";

    /// <summary>The actual alerts or samples, written as promtool writes them.</summary>
    public string Actual { get; init; } = "";

    /// <summary>Why the result failed, as promtool reports it; null when it passed.</summary>
    public string? Message { get; init; }

    /// <summary>When the test ran.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>The verdict on one rule unit-test file (Invoke-PrometheusRuleTest -Summary): what promtool test rules' exit code says.</summary>
public sealed record RuleTestFileSummary
{
    /// <summary>The unit-test file.</summary>
    public required string File { get; init; }

    /// <summary>True when the file was read and every result passed, as promtool test rules passes it.</summary>
    public required bool Passed { get; init; }

    /// <summary>Test groups run (after -Run's filter).</summary>
    public int TestGroupCount { get; init; }

    /// <summary>Results: assertions plus groups that could not be evaluated.</summary>
    public int ResultCount { get; init; }

    /// <summary>Results that failed.</summary>
    public int FailedCount { get; init; }

    /// <summary>Problems that kept the file from being run, each as file:line: message.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>When the file was tested.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
