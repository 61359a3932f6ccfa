using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>
/// Counts a metric gate's evaluations against its limits and says how the gate ended and why,
/// in words a person reads in a CI log: "error-ratio: 0.18 &gt; 0.05 in 3 of 5 evaluations (limit 1)".
/// </summary>
internal sealed class MetricTally(MetricGate gate, DateTimeOffset startTime)
{
    private readonly List<GateEvaluation> _evaluations = [];
    private readonly List<double> _missed = [];
    private readonly List<double> _passedValues = [];
    private int _passed;
    private int _noDataPassed;
    private int _noDataFailed;
    private int _inconclusive;
    private int _errors;
    private string? _lastError;

    private int Failed => _missed.Count + _noDataFailed;

    /// <summary>A limit is passed: more evaluations cannot change the outcome.</summary>
    public bool Decided => Failed > gate.FailureLimit || _errors > gate.ErrorLimit || _inconclusive > gate.InconclusiveLimit;

    public void Add(GateEvaluation evaluation)
    {
        _evaluations.Add(evaluation);
        switch (evaluation.Verdict)
        {
            case GateVerdict.Pass:
                _passed++;
                _passedValues.Add(evaluation.Value!.Value);
                break;
            case GateVerdict.Fail:
                _missed.Add(evaluation.Value!.Value);
                break;
            case GateVerdict.Error:
                _errors++;
                _lastError = evaluation.Message;
                break;
            case GateVerdict.NoData when gate.NoData == NoDataPolicy.Pass:
                _passed++;
                _noDataPassed++;
                break;
            case GateVerdict.NoData when gate.NoData == NoDataPolicy.Inconclusive:
                _inconclusive++;
                break;
            default:
                _noDataFailed++;
                break;
        }
    }

    public GateResult Result(TimeSpan duration)
    {
        var made = _evaluations.Count;
        if (Failed > gate.FailureLimit)
            return With(GateOutcome.Failed, $"{gate.Name}: {FailureText(made)}", duration);
        if (_errors > gate.ErrorLimit)
            return With(GateOutcome.Failed, $"{gate.Name}: the query could not be evaluated in {_errors} of {made} evaluations (limit {gate.ErrorLimit}): {_lastError}", duration);
        if (_inconclusive > gate.InconclusiveLimit)
            return With(GateOutcome.Inconclusive, $"{gate.Name}: no data in {_inconclusive} of {made} evaluations (inconclusive limit {gate.InconclusiveLimit}; NoData=Inconclusive)", duration);
        if (_passed == 0)
            return With(GateOutcome.Inconclusive, $"{gate.Name}: no evaluation of {made} passed ({Tolerated()}), so nothing shows the condition {gate.Condition} holds", duration);
        var worst = _passedValues.Count > 0 ? $", worst {MetricGate.Number(MetricJudge.Worst(gate, _passedValues))}" : "";
        var noData = _noDataPassed > 0 ? $"; {_noDataPassed} of them no data, counted as passes by NoData=Pass" : "";
        var tolerated = _passed < made ? $"; {Tolerated()}" : "";
        return With(GateOutcome.Passed, $"{gate.Name}: {gate.Condition} in {_passed} of {made} evaluations{worst}{noData}{tolerated}", duration);
    }

    public GateResult Stopped(TimeSpan duration) =>
        With(GateOutcome.Stopped, $"{gate.Name}: stopped after {_evaluations.Count} of {gate.Count} evaluations ({_passed} passed, {Failed} failed)", duration);

    /// <summary>"0.18 &gt; 0.05 in 3 of 5 evaluations (limit 1)": the worst miss, no data, or both.</summary>
    private string FailureText(int made)
    {
        var limit = $"limit {gate.FailureLimit}";
        if (_noDataFailed == 0)
            return $"{MetricJudge.Missed(gate, MetricJudge.Worst(gate, _missed))} in {Failed} of {made} evaluations ({limit})";
        if (_missed.Count == 0)
            return $"no data in {Failed} of {made} evaluations ({limit}; NoData=Fail)";
        return $"{MetricJudge.Missed(gate, MetricJudge.Worst(gate, _missed))} in {_missed.Count} and no data in {_noDataFailed} of {made} evaluations " +
            $"({Failed} failed, {limit}; NoData=Fail)";
    }

    private string Tolerated()
    {
        var parts = new List<string>(3);
        if (Failed > 0) parts.Add($"{Failed} failed");
        if (_inconclusive > 0) parts.Add($"{_inconclusive} inconclusive");
        if (_errors > 0) parts.Add($"{_errors} not evaluated");
        return parts.Count == 0 ? "none tolerated" : string.Join(", ", parts) + " within the limits";
    }

    private GateResult With(GateOutcome outcome, string reason, TimeSpan duration) => new()
    {
        Gate = gate.Name,
        Kind = GateKind.Metric,
        Outcome = outcome,
        Reason = reason,
        Passed = _passed,
        Failed = Failed,
        Inconclusive = _inconclusive,
        Errors = _errors,
        Evaluations = [.. _evaluations],
        StartTime = startTime,
        Duration = duration,
    };
}
