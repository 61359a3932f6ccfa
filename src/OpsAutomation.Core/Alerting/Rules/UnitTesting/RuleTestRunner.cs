using System.Text.RegularExpressions;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Alerting.Rules.UnitTesting;

/// <summary>
/// Runs promtool rule unit tests in process, as promtool test rules 2.42 does (cmd/promtool/unittest.go):
/// per test group, fresh storage holding the input series; every group of the rule files evaluated at each
/// evaluation_interval step from 0 to the largest eval_time, recording-rule results, ALERTS and
/// ALERTS_FOR_STATE written back (with stale markers when a series goes away) so later rules and
/// expressions see them; the firing alerts of a name compared at the step that covers each alert eval_time,
/// and expressions queried after the last step. A rule that fails at a step ends its test group there.
/// </summary>
public sealed class RuleTestRunner(TimeProvider time)
{
    /// <summary>One result per alert and expression case, plus an Evaluation result for each group that could not be evaluated.</summary>
    /// <param name="run">Only test groups whose name matches one of these (promtool's --run); all when empty.</param>
    public IEnumerable<RuleTestResult> Run(RuleTestFile file, IReadOnlyList<Regex> run, CancellationToken cancellationToken)
    {
        var rules = LoadRules(file);
        foreach (var group in file.Tests)
        {
            if (run.Count > 0 && !run.Any(r => r.IsMatch(group.Name))) continue;
            foreach (var result in new GroupRun(time, file, group, rules).Run(cancellationToken))
                yield return result;
        }
    }

    /// <summary>The rule groups in evaluation order (group_eval_order first, as promtool orders them), or why they cannot load.</summary>
    private sealed record LoadedRules(IReadOnlyList<RuleGroup> Groups, string? FailedFile, string? Problem);

    private static LoadedRules LoadRules(RuleTestFile file)
    {
        var groups = new List<RuleGroup>();
        foreach (var path in file.RuleFiles)
        {
            RuleFileReadResult read;
            try
            {
                read = RuleFileReader.Read(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new([], path, $"{path}: {ex.Message}");
            }
            // A duplicate rule is only promtool check rules' lint: promtool test rules evaluates both copies.
            var problems = read.Problems.Where(p => !p.IsLint).Select(p => p.ToString()).ToList();
            foreach (var group in read.File.Groups)
            {
                foreach (var rule in group.Rules)
                {
                    try
                    {
                        PromQlEngine.Validate(rule.Expression);
                    }
                    catch (PromQlException ex)
                    {
                        problems.Add(new RuleFileProblem(path, rule.Line, group.Name, rule.Name, ex.Message).ToString());
                    }
                }
            }
            if (problems.Count > 0) return new([], path, string.Join("\n", problems));
            groups.AddRange(read.File.Groups);
        }
        // promtool sorts by the position in group_eval_order, unlisted groups counting as 0; ties keep file order here.
        var order = file.GroupEvalOrder.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);
        return new(groups.OrderBy(g => order.GetValueOrDefault(g.Name)).ToList(), null, null);
    }

    /// <summary>The state of one test group's run: its storage, engine, rule states and results.</summary>
    private sealed class GroupRun(TimeProvider time, RuleTestFile file, RuleTestGroup group, LoadedRules rules)
    {
        private readonly SeriesStore _store = new();
        private readonly Dictionary<string, (long Time, double Value)> _last = new(StringComparer.Ordinal);

        private sealed class RuleState(Rule rule)
        {
            public Rule Rule { get; } = rule;
            public IReadOnlyList<AlertSeries> Alerts { get; set; } = [];
            public Dictionary<string, IReadOnlyDictionary<string, string>> PreviousSeries { get; set; } = new(StringComparer.Ordinal);
        }

        private RuleTestResult Result(RuleTestKind kind, TimeSpan evalTime, string subject, bool passed, string expected, string actual, string? message) => new()
        {
            File = file.Path,
            TestGroup = group.DisplayName,
            Kind = kind,
            EvalTime = evalTime,
            Subject = subject,
            Passed = passed,
            Expected = expected,
            Actual = actual,
            Message = message,
            Timestamp = time.GetUtcNow(),
        };

        private RuleTestResult Failure(TimeSpan at, string subject, string message) => Result(RuleTestKind.Evaluation, at, subject, false, "", "", message);

        public IEnumerable<RuleTestResult> Run(CancellationToken cancellationToken)
        {
            // promtool's order: the input series, then the rule files, then the alert cases' names.
            var input = new List<(IReadOnlyDictionary<string, string> Labels, Queue<(long Time, double Value)> Points)>();
            if (LoadInput(input) is { } seriesFailure)
            {
                yield return seriesFailure;
                yield break;
            }
            if (rules.Problem is { } problem)
            {
                yield return Failure(TimeSpan.Zero, rules.FailedFile!, problem);
                yield break;
            }
            if (group.AlertTests.FirstOrDefault(a => a.AlertName.Length == 0) is { } unnamed)
            {
                var name = group.Name.Length > 0 ? $" (in TestGroup {group.Name})" : "";
                yield return Failure(unnamed.EvalTime, "alertname",
                    $"{file.Path}:{unnamed.Line}: an item under alert_rule_test misses required attribute alertname at eval_time {PromtoolText.Duration(unnamed.EvalTime)}{name}");
                yield break;
            }

            var engine = new PromQlEngine(_store);
            var states = rules.Groups.Select(g => g.Rules.Select(r => new RuleState(r)).ToList()).ToList();
            var alertTimes = group.AlertTests.Select(a => a.EvalTime).Distinct().Order().ToList();
            var maxTime = group.AlertTests.Select(a => a.EvalTime).Concat(group.ExpressionTests.Select(e => e.EvalTime)).DefaultIfEmpty(TimeSpan.Zero).Max();
            var interval = file.EvaluationInterval;
            var next = 0;
            var checkedCount = 0;
            for (var ts = TimeSpan.Zero; ts <= maxTime; ts += interval)
            {
                cancellationToken.ThrowIfCancellationRequested();
                AppendInputTill(input, (long)ts.TotalMilliseconds);
                var errors = new List<RuleTestResult>();
                foreach (var groupStates in states)
                {
                    foreach (var state in groupStates)
                    {
                        if (Evaluate(engine, state, ts) is { } error)
                            errors.Add(Failure(ts, state.Rule.Name, $"    rule: {state.Rule.Name}, time: {PromtoolText.GoDuration(ts)}, err: {error}"));
                    }
                }
                if (errors.Count > 0)
                {
                    var notChecked = group.AlertTests.Count + group.ExpressionTests.Count - checkedCount;
                    foreach (var error in errors)
                        yield return notChecked > 0 ? error with { Message = error.Message + $"\n(the test group stops here; {notChecked} later case(s) not checked)" } : error;
                    yield break;
                }
                for (; next < alertTimes.Count && ts <= alertTimes[next] && alertTimes[next] < ts + interval; next++)
                {
                    foreach (var test in group.AlertTests.Where(a => a.EvalTime == alertTimes[next]))
                    {
                        checkedCount++;
                        yield return CheckAlerts(test, states);
                    }
                }
            }
            foreach (var test in group.ExpressionTests)
                yield return CheckExpression(engine, test);
        }

        /// <summary>Parses and expands the input series: samples every interval from 0, '_' skipped; a later series with the same labels replaces an earlier one.</summary>
        private RuleTestResult? LoadInput(List<(IReadOnlyDictionary<string, string> Labels, Queue<(long Time, double Value)> Points)> input)
        {
            var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var series in group.InputSeries)
            {
                IReadOnlyDictionary<string, string> labels;
                IReadOnlyList<double?> values;
                try
                {
                    labels = SeriesNotation.ParseSeries(series.Series).Labels;
                    values = SeriesNotation.Expand(series.Values);
                }
                catch (Exception ex) when (ex is PromQlException or FormatException or ArgumentException)
                {
                    return Failure(TimeSpan.Zero, series.Series, $"{file.Path}:{series.Line}: input series '{series.Series}' with values '{series.Values}': {ex.Message}");
                }
                // With no interval every sample lands at time 0, where the first one wins as in promtool's storage.
                var points = new Queue<(long, double)>();
                long? previous = null;
                for (var i = 0; i < values.Count; i++)
                {
                    var at = (long)(group.Interval.TotalMilliseconds * i);
                    if (values[i] is not { } value || at <= previous) continue;
                    points.Enqueue((at, value));
                    previous = at;
                }
                var key = Key(labels);
                if (byKey.TryGetValue(key, out var index)) input[index] = (labels, points);
                else
                {
                    byKey[key] = input.Count;
                    input.Add((labels, points));
                }
            }
            return null;
        }

        private void AppendInputTill(List<(IReadOnlyDictionary<string, string> Labels, Queue<(long Time, double Value)> Points)> input, long till)
        {
            foreach (var (labels, points) in input)
            {
                while (points.TryPeek(out var point) && point.Time <= till)
                {
                    Append(labels, point.Time, point.Value);
                    points.Dequeue();
                }
            }
        }

        /// <summary>Appends as Prometheus's storage does: an older time is out of order, the same time with another value a duplicate; the same sample again is ignored.</summary>
        private string? Append(IReadOnlyDictionary<string, string> labels, long at, double value)
        {
            var key = Key(labels);
            if (_last.TryGetValue(key, out var last))
            {
                if (at < last.Time) return "out of order sample";
                if (at == last.Time) return BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(last.Value) ? null : "duplicate sample for timestamp";
            }
            _store.Add(labels, at, value);
            _last[key] = (at, value);
            return null;
        }

        /// <summary>One rule at one step, as Prometheus's Group.Eval: query, derive the output series, append them, mark vanished ones stale.</summary>
        private string? Evaluate(PromQlEngine engine, RuleState state, TimeSpan ts)
        {
            var rule = state.Rule;
            var now = DateTimeOffset.UnixEpoch + ts;
            var at = (long)ts.TotalMilliseconds;
            var result = engine.Query(rule.Expression, now);
            if (result.Error is { } queryError) return queryError;
            List<(IReadOnlyDictionary<string, string> Labels, double Value)> output;
            if (rule.IsAlert)
            {
                try
                {
                    state.Alerts = AlertStateMachine.Advance(rule, state.Alerts, result.Samples, now, out _);
                }
                catch (InvalidOperationException ex)
                {
                    return ex.Message;
                }
                output = [];
                foreach (var alert in state.Alerts.Where(a => a.State != RuleAlertState.Inactive))
                {
                    output.Add((AlertSample(rule, alert, "ALERTS", alert.State == RuleAlertState.Firing ? "firing" : "pending"), 1));
                    output.Add((AlertSample(rule, alert, "ALERTS_FOR_STATE", null), alert.ActiveAt.ToUnixTimeSeconds()));
                }
            }
            else
            {
                output = result.Samples.Select(s => ((IReadOnlyDictionary<string, string>)Recorded(rule, s.Labels), s.Value)).ToList();
                if (output.Select(o => Key(o.Labels)).Distinct(StringComparer.Ordinal).Count() != output.Count)
                    return "vector contains metrics with the same labelset after applying rule labels";
            }

            string? error = null;
            var returned = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            foreach (var (labels, value) in output)
            {
                if (Append(labels, at, value) is { } appendError) error = appendError;
                else returned[Key(labels)] = labels;
            }
            foreach (var (key, labels) in state.PreviousSeries)
                if (!returned.ContainsKey(key)) Append(labels, at, SeriesStore.StaleMarker);
            state.PreviousSeries = returned;
            return error;
        }

        /// <summary>A recording rule's output series: the sample's labels, __name__ the rule's name, then the rule's labels (an empty one removed).</summary>
        private static SortedDictionary<string, string> Recorded(Rule rule, IReadOnlyDictionary<string, string> sample)
        {
            var labels = new SortedDictionary<string, string>(sample.ToDictionary(), StringComparer.Ordinal) { ["__name__"] = rule.Name };
            foreach (var (name, template) in rule.Labels)
                if (template.Text.Length == 0) labels.Remove(name);
                else labels[name] = template.Text;
            return labels;
        }

        /// <summary>An ALERTS or ALERTS_FOR_STATE series: the rule's labels as written, the alert's over them, then name, alertname and state.</summary>
        private static SortedDictionary<string, string> AlertSample(Rule rule, AlertSeries alert, string metric, string? alertState)
        {
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, template) in rule.Labels)
                if (template.Text.Length > 0) labels[name] = template.Text;
            foreach (var (name, value) in alert.Labels) labels[name] = value;
            labels["__name__"] = metric;
            labels["alertname"] = rule.Name;
            if (alertState is not null) labels["alertstate"] = alertState;
            return labels;
        }

        private RuleTestResult CheckAlerts(AlertTestCase test, List<List<RuleState>> states)
        {
            var got = states.SelectMany(g => g)
                .Where(s => s.Rule.IsAlert && s.Rule.Name == test.AlertName)
                .SelectMany(s => s.Alerts.Where(a => a.State == RuleAlertState.Firing))
                .Select(a => new AlertText(Sorted(a.Labels), Sorted(a.Annotations)))
                .ToList();
            var expected = test.ExpectedAlerts
                .Select(e => new AlertText(Sorted(new Dictionary<string, string>(e.Labels, StringComparer.Ordinal) { ["alertname"] = test.AlertName }), Sorted(e.Annotations)))
                .ToList();
            got.Sort();
            expected.Sort();
            var passed = got.SequenceEqual(expected);
            var expectedText = AlertText.Format(expected);
            var actualText = AlertText.Format(got);
            var name = group.Name.Length > 0 ? $"    name: {group.Name},\n" : "";
            var message = passed ? null
                : $"{name}    alertname: {test.AlertName}, time: {PromtoolText.Duration(test.EvalTime)}, \n        exp:{Indent(expectedText, "            ")}, \n        got:{Indent(actualText, "            ")}";
            return Result(RuleTestKind.Alert, test.EvalTime, test.AlertName, passed, expectedText, actualText, message);
        }

        private RuleTestResult CheckExpression(PromQlEngine engine, ExpressionTestCase test)
        {
            var where = $"    expr: {PromtoolText.Quote(test.Expression)}, time: {PromtoolText.Duration(test.EvalTime)}";
            var result = engine.Query(test.Expression, DateTimeOffset.UnixEpoch + test.EvalTime);
            if (result.Error is { } error)
                return Result(RuleTestKind.Expression, test.EvalTime, test.Expression, false, "", "", $"{where}, err: {error}");
            var expected = new List<SampleText>();
            foreach (var sample in test.ExpectedSamples)
            {
                try
                {
                    // An empty label value is no label, as Prometheus's parser reads it.
                    var labels = sample.Labels.Trim().Length == 0 ? new Dictionary<string, string>() : SeriesNotation.ParseSeries(sample.Labels).Labels;
                    expected.Add(new SampleText(Sorted(labels.Where(l => l.Value.Length > 0)), sample.Value));
                }
                catch (Exception ex) when (ex is PromQlException or FormatException or ArgumentException)
                {
                    return Result(RuleTestKind.Expression, test.EvalTime, test.Expression, false, "", "",
                        $"{where}, err: labels {PromtoolText.Quote(sample.Labels)}: {ex.Message} ({file.Path}:{sample.Line})");
                }
            }
            var got = result.Samples.Select(s => new SampleText(Sorted(s.Labels), s.Value)).ToList();
            expected.Sort();
            got.Sort();
            // Values compare with ==, so an expected NaN never matches, as in promtool 2.42.
            var passed = got.Count == expected.Count && got.Zip(expected).All(p => p.First.Labels.SequenceEqual(p.Second.Labels) && p.First.Value == p.Second.Value);
            var expectedText = SampleText.Format(expected);
            var actualText = SampleText.Format(got);
            return Result(RuleTestKind.Expression, test.EvalTime, test.Expression, passed, expectedText, actualText,
                passed ? null : $"{where},\n        exp: {expectedText}\n        got: {actualText}");
        }

        private static string Key(IEnumerable<KeyValuePair<string, string>> labels) => AlertSeries.LabelKey(labels.OrderBy(l => l.Key, StringComparer.Ordinal));
    }

    private static List<KeyValuePair<string, string>> Sorted(IEnumerable<KeyValuePair<string, string>> labels) =>
        labels.OrderBy(l => l.Key, StringComparer.Ordinal).ToList();

    /// <summary>promtool's indentLines: every line after the first gets the indent.</summary>
    private static string Indent(string text, string indent) => text.Replace("\n", "\n" + indent, StringComparison.Ordinal);

    /// <summary>Prometheus's labels.Compare: label by label, name then value, then the shorter first.</summary>
    private static int Compare(IReadOnlyList<KeyValuePair<string, string>> a, IReadOnlyList<KeyValuePair<string, string>> b)
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var name = string.CompareOrdinal(a[i].Key, b[i].Key);
            if (name != 0) return name;
            var value = string.CompareOrdinal(a[i].Value, b[i].Value);
            if (value != 0) return value;
        }
        return a.Count.CompareTo(b.Count);
    }

    /// <summary>One alert as promtool compares and writes it.</summary>
    private sealed record AlertText(List<KeyValuePair<string, string>> Labels, List<KeyValuePair<string, string>> Annotations) : IComparable<AlertText>
    {
        public int CompareTo(AlertText? other) => other is null ? 1 : Compare(Labels, other.Labels) is var c and not 0 ? c : Compare(Annotations, other.Annotations);

        public bool Equals(AlertText? other) => other is not null && Labels.SequenceEqual(other.Labels) && Annotations.SequenceEqual(other.Annotations);

        public override int GetHashCode() => Labels.Count;

        public static string Format(List<AlertText> alerts) => alerts.Count == 0
            ? "[]"
            : "[\n" + string.Join(",\n", alerts.Select((a, i) => $"{i}:\n  Labels:{PromtoolText.LabelSet(a.Labels)}\n  Annotations:{PromtoolText.LabelSet(a.Annotations)}")) + "\n]";
    }

    /// <summary>One sample as promtool compares and writes it.</summary>
    private sealed record SampleText(List<KeyValuePair<string, string>> Labels, double Value) : IComparable<SampleText>
    {
        public int CompareTo(SampleText? other) => other is null ? 1 : Compare(Labels, other.Labels);

        public static string Format(List<SampleText> samples) => samples.Count == 0
            ? "nil"
            : string.Join(", ", samples.Select(s => PromtoolText.LabelSet(s.Labels) + " " + GoNumberFormat.Exponent(s.Value)));
    }
}
