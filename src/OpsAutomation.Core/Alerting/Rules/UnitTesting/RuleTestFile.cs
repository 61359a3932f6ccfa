namespace OpsAutomation.Core.Alerting.Rules.UnitTesting;

/// <summary>
/// A promtool rule unit-test file as read: the rule files it names (resolved against its folder,
/// globs expanded), the evaluation interval (1m when absent), the group evaluation order and its test groups.
/// </summary>
public sealed record RuleTestFile(string Path, IReadOnlyList<string> RuleFiles, TimeSpan EvaluationInterval, IReadOnlyList<string> GroupEvalOrder,
    IReadOnlyList<RuleTestGroup> Tests);

/// <summary>
/// One entry of 'tests'. <see cref="Interval"/> is the gap between input samples; promtool 2.42 has no
/// default for it, so an absent interval puts every sample at time 0.
/// </summary>
public sealed record RuleTestGroup(int Index, string Name, TimeSpan Interval, IReadOnlyList<InputSeries> InputSeries, IReadOnlyList<AlertTestCase> AlertTests,
    IReadOnlyList<ExpressionTestCase> ExpressionTests, int Line)
{
    /// <summary>The name, or the 0-based index when the group has none.</summary>
    public string DisplayName => Name.Length > 0 ? Name : Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An input series in promtool notation: a series selector and values in expanding notation.</summary>
public sealed record InputSeries(string Series, string Values, int Line);

/// <summary>The alerts expected to fire under one alert name at an eval_time.</summary>
public sealed record AlertTestCase(TimeSpan EvalTime, string AlertName, IReadOnlyList<ExpectedAlert> ExpectedAlerts, int Line);

/// <summary>One expected firing alert: its labels (without alertname) and expanded annotations.</summary>
public sealed record ExpectedAlert(IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

/// <summary>The samples expected from an expression at an eval_time.</summary>
public sealed record ExpressionTestCase(string Expression, TimeSpan EvalTime, IReadOnlyList<ExpectedSample> ExpectedSamples, int Line);

/// <summary>One expected sample: its labels in series notation (such as up{job="a"}) and value.</summary>
public sealed record ExpectedSample(string Labels, double Value, int Line);
