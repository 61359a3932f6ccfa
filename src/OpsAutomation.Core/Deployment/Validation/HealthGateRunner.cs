using System.Globalization;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>
/// Runs one health gate: a round of its checks every <see cref="HealthGate.Interval"/> until
/// <see cref="HealthGate.SuccessCount"/> rounds in a row pass (Passed), failed rounds pass
/// <see cref="HealthGate.FailureLimit"/> (Failed), or the next round would start after the
/// <see cref="HealthGate.Window"/> (Failed). Every check of every round is recorded.
/// Cancellation ends the gate as Stopped with what it saw so far.
/// </summary>
public sealed class HealthGateRunner(HealthRounds rounds, TimeProvider time)
{
    /// <param name="evaluated">Told of each check's evaluation as it is made; gates run concurrently may call it at once.</param>
    public async Task<GateResult> RunAsync(HealthGate gate, Action<GateEvaluation>? evaluated, CancellationToken cancellationToken)
    {
        // A round of no checks would pass without probing anything.
        if (gate.Checks.Count == 0) throw new ArgumentException($"The health gate '{gate.Name}' has no checks.", nameof(gate));
        var startTime = time.GetUtcNow();
        var started = time.GetTimestamp();
        var evaluations = new List<GateEvaluation>();
        int round = 0, streak = 0, passedRounds = 0, failedRounds = 0;
        string? lastFailure = null;

        GateResult Result(GateOutcome outcome, string reason) => new()
        {
            Gate = gate.Name, Kind = GateKind.Health, Outcome = outcome, Reason = $"{gate.Name}: {reason}", Passed = passedRounds, Failed = failedRounds,
            Evaluations = [.. evaluations], StartTime = startTime, Duration = time.GetElapsedTime(started),
        };

        try
        {
            while (true)
            {
                round++;
                var results = await rounds.CheckAsync(gate.Checks, cancellationToken).ConfigureAwait(false);
                var roundPassed = true;
                foreach (var result in results)
                {
                    var evaluation = Evaluate(gate, round, result);
                    evaluations.Add(evaluation);
                    evaluated?.Invoke(evaluation);
                    if (evaluation.Verdict == GateVerdict.Pass) continue;
                    roundPassed = false;
                    lastFailure = $"{result.Name} {evaluation.Message}";
                }

                if (roundPassed)
                {
                    passedRounds++;
                    if (++streak >= gate.SuccessCount)
                        return Result(GateOutcome.Passed, $"{Checks(gate)} passed {streak} rounds in a row (of {round}; {failedRounds} failed, limit {gate.FailureLimit})");
                }
                else
                {
                    streak = 0;
                    if (++failedRounds > gate.FailureLimit)
                        return Result(GateOutcome.Failed, $"{failedRounds} of {round} rounds failed (limit {gate.FailureLimit}); last: {lastFailure}");
                }

                // The next round starts on the schedule, or at once when this one overran it.
                var next = gate.Interval * round;
                if (next > gate.Window || time.GetElapsedTime(started) > gate.Window)
                {
                    return Result(GateOutcome.Failed, $"the window of {Seconds(gate.Window)} ended with {streak} of {gate.SuccessCount} passes in a row after {round} rounds" +
                        (lastFailure is null ? "" : $"; last failure: {lastFailure}"));
                }
                await GateSchedule.WaitUntilAsync(time, started, next, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Result(GateOutcome.Stopped, $"stopped after {round} rounds ({passedRounds} passed, {failedRounds} failed)");
        }
    }

    private static GateEvaluation Evaluate(HealthGate gate, int round, HealthCheckResult result)
    {
        var passes = result.Status == HealthStatus.Healthy || (result.Status == HealthStatus.Degraded && !gate.FailOnDegraded);
        var code = result.StatusCode is { } status ? $"HTTP {status}, " : "";
        var detail = $"{code}{result.ResponseTime.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms";
        return new GateEvaluation
        {
            Gate = gate.Name,
            Kind = GateKind.Health,
            Number = round,
            Timestamp = result.Timestamp,
            Query = result.Name == result.Target ? result.Target : $"{result.Name} ({result.Target})",
            Value = result.ResponseTime.TotalSeconds,
            Threshold = gate.FailOnDegraded ? "Healthy" : "Healthy or Degraded",
            // A check that could not be made at all (a secret that does not resolve) is not the service's failure.
            Verdict = passes ? GateVerdict.Pass : result.ErrorKind == HealthErrorKind.Configuration ? GateVerdict.Error : GateVerdict.Fail,
            Message = result.Error is null ? $"{result.Status} ({detail})" : $"{result.Status} ({detail}): {result.Error}",
        };
    }

    private static string Checks(HealthGate gate) => gate.Checks.Count == 1 ? gate.Checks[0].Name : $"all {gate.Checks.Count} checks";

    private static string Seconds(TimeSpan span) => Models.DurationText.Format(span);
}
