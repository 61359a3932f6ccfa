using System.Collections.Concurrent;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>
/// Runs a plan's gates concurrently and gives the overall verdict: the first gate to fail
/// decides Failed and stops the others; otherwise an inconclusive gate decides Inconclusive;
/// otherwise Passed. The same object serves a deployment's validation and each canary step.
/// </summary>
/// <param name="metrics">Runs metric gates; null when the plan has none.</param>
/// <param name="health">Runs health gates; null when the plan has none.</param>
public sealed class DeploymentValidator(TimeProvider time, MetricGateRunner? metrics, HealthGateRunner? health)
{
    /// <summary>
    /// A validator for <paramref name="plan"/> over the runtime's shared services: metric gates
    /// through the instant-query client (each attempt limited by the settings' TimeoutSec, with
    /// their RetryCount, answers up to <paramref name="maxResponseBytes"/>), health gates through
    /// the health engine with <paramref name="health"/>'s run id, settings, secrets and history.
    /// </summary>
    /// <param name="storeFailed">Told when the health history cannot be written; the gates go on.</param>
    public static DeploymentValidator Create(OpsRuntime runtime, ValidationPlan plan, HealthRunOptions health, OpsLog log, long? maxResponseBytes = null,
        Action<StateStoreException>? storeFailed = null)
    {
        MetricGateRunner? metrics = null;
        if (plan.PrometheusUri is { } prometheus && plan.MetricGates.Count > 0)
        {
            var resilience = new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(health.Settings.TimeoutSec), RetryCount = health.Settings.RetryCount };
            metrics = new MetricGateRunner(new PrometheusQueryEngine(runtime.Http, runtime.Pipelines, prometheus, resilience, maxResponseBytes), runtime.Time);
        }
        return new DeploymentValidator(runtime.Time, metrics, new HealthGateRunner(new HealthRounds(runtime, health, log, storeFailed), runtime.Time));
    }

    /// <param name="evaluated">Told of each evaluation as it is made, from the gates' own tasks (possibly at once).</param>
    /// <exception cref="OperationCanceledException">The caller cancelled; the gates are stopped first.</exception>
    public async Task<DeploymentValidation> ValidateAsync(ValidationPlan plan, string runId, Action<GateEvaluation>? evaluated, CancellationToken cancellationToken)
    {
        if (plan.HealthGates.Count + plan.MetricGates.Count == 0) throw new ArgumentException("The plan has no gates.", nameof(plan));
        if (plan.MetricGates.Count > 0 && metrics is null) throw new InvalidOperationException("The plan has metric gates but the validator has no metric gate runner.");
        if (plan.HealthGates.Count > 0 && health is null) throw new InvalidOperationException("The plan has health gates but the validator has no health gate runner.");

        var startTime = time.GetUtcNow();
        var started = time.GetTimestamp();
        var order = new ConcurrentQueue<GateEvaluation>();
        void Evaluated(GateEvaluation evaluation)
        {
            order.Enqueue(evaluation);
            evaluated?.Invoke(evaluation);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = plan.HealthGates.Select(g => health!.RunAsync(g, Evaluated, stop.Token))
            .Concat(plan.MetricGates.Select(g => metrics!.RunAsync(g, Evaluated, stop.Token)))
            .ToList();
        GateResult? firstFailed = null;
        var pending = running.ToList();
        try
        {
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(done);
                var result = await done.ConfigureAwait(false);
                if (result.Outcome == GateOutcome.Failed && firstFailed is null)
                {
                    firstFailed = result;
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // A gate that threw (a state store that cannot open) leaves none of the others running behind it.
            if (pending.Count > 0)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await ((Task)Task.WhenAll(pending)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();

        // Results in the plan's order, whatever order they ended in.
        var ordered = running.Select(t => t.Result).ToList();
        var inconclusive = ordered.FirstOrDefault(g => g.Outcome == GateOutcome.Inconclusive);
        var (outcome, decidedBy, reason) = firstFailed is not null ? (ValidationOutcome.Failed, firstFailed.Gate, firstFailed.Reason)
            : inconclusive is not null ? (ValidationOutcome.Inconclusive, inconclusive.Gate, inconclusive.Reason)
            : (ValidationOutcome.Passed, (string?)null, $"all {ordered.Count} gates passed: {string.Join("; ", ordered.Select(g => g.Reason))}");
        if (outcome == ValidationOutcome.Passed && ordered.Count == 1) reason = ordered[0].Reason;
        return new DeploymentValidation
        {
            Outcome = outcome,
            DecidedBy = decidedBy,
            Reason = reason,
            Gates = ordered,
            Evaluations = [.. order],
            StartTime = startTime,
            Duration = time.GetElapsedTime(started),
            RunId = runId,
            Timestamp = time.GetUtcNow(),
        };
    }
}
