using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>
/// Runs one metric gate: its query through the module's instant-query engine (Prometheus, with
/// its timeouts, size limit and retries), <see cref="MetricGate.Count"/> times on a fixed
/// schedule, until the evaluations are done or a limit decides the gate early. Cancellation
/// ends the gate as Stopped with what it evaluated so far.
/// </summary>
public sealed class MetricGateRunner(IRuleQueryEngine engine, TimeProvider time)
{
    /// <param name="evaluated">Told of each evaluation as it is made; gates run concurrently may call it at once.</param>
    public async Task<GateResult> RunAsync(MetricGate gate, Action<GateEvaluation>? evaluated, CancellationToken cancellationToken)
    {
        var tally = new MetricTally(gate, time.GetUtcNow());
        var started = time.GetTimestamp();
        try
        {
            for (var number = 1; number <= gate.Count && !tally.Decided; number++)
            {
                if (number > 1) await GateSchedule.WaitUntilAsync(time, started, gate.Interval * (number - 1), cancellationToken).ConfigureAwait(false);
                var at = time.GetUtcNow();
                var answer = await engine.QueryAsync(gate.Query, at, cancellationToken).ConfigureAwait(false);
                var evaluation = MetricJudge.Judge(gate, number, at, answer);
                tally.Add(evaluation);
                evaluated?.Invoke(evaluation);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return tally.Stopped(time.GetElapsedTime(started));
        }
        return tally.Result(time.GetElapsedTime(started));
    }
}
