using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Validation;

/// <summary>Gates composed: the first to fail decides and stops the rest; the schedule follows the TimeProvider.</summary>
public sealed class DeploymentValidatorTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly HealthGateRunnerTests _health = new();

    public void Dispose() => _health.Dispose();

    /// <summary>The module's in-process PromQL engine over a gauge that holds <paramref name="value"/> from 10 minutes before the start on.</summary>
    private static PromQlEngine Gauge(string name, double value)
    {
        var series = new SeriesStore();
        for (var t = Start.AddMinutes(-10); t <= Start.AddHours(1); t = t.AddSeconds(15))
            series.Add(new Dictionary<string, string> { ["__name__"] = name }, t.ToUnixTimeMilliseconds(), value);
        return new PromQlEngine(series);
    }

    [Fact]
    public async Task A_failing_metric_gate_decides_failed_and_stops_a_health_gate_still_running()
    {
        await using var server = new FaultServer();
        var health = HealthGateRunnerTests.Gate(server, successCount: 1000) with { Interval = TimeSpan.FromHours(1), Window = TimeSpan.FromDays(1000) };
        var metric = new MetricGate { Name = "error-ratio", Query = "error_ratio", Comparison = GateComparison.LessThan, Threshold = 0.05, Count = 1 };
        var time = new FakeTimeProvider(Start);
        var validator = new DeploymentValidator(TimeProvider.System, new MetricGateRunner(Gauge("error_ratio", 0.18), time), _health.Runner());

        var validation = await validator.ValidateAsync(new ValidationPlan { HealthGates = [health], MetricGates = [metric] }, "run-1", null, CancellationToken.None);

        Assert.Equal((ValidationOutcome.Failed, "error-ratio"), (validation.Outcome, validation.DecidedBy));
        Assert.Equal("error-ratio: 0.18 > 0.05 in 1 of 1 evaluations (limit 0)", validation.Reason);
        Assert.Equal([("web", GateOutcome.Stopped), ("error-ratio", GateOutcome.Failed)], validation.Gates.Select(g => (g.Gate, g.Outcome)));
        Assert.Contains(validation.Evaluations, e => e.Gate == "error-ratio" && e.Verdict == GateVerdict.Fail);
    }

    [Fact]
    public async Task Evaluations_follow_the_interval_of_the_time_provider()
    {
        var time = new FakeTimeProvider(Start);
        var gate = new MetricGate { Name = "p95", Query = "p95_seconds", Comparison = GateComparison.LessThan, Threshold = 0.5, Count = 3, Interval = TimeSpan.FromSeconds(30) };
        var seen = new List<GateEvaluation>();
        var running = new MetricGateRunner(Gauge("p95_seconds", 0.2), time).RunAsync(gate, e => { lock (seen) seen.Add(e); }, CancellationToken.None);

        for (var i = 0; i < 100 && !running.IsCompleted; i++)
        {
            await Task.Delay(5);
            time.Advance(TimeSpan.FromSeconds(5));
        }
        var result = await running;

        Assert.Equal(GateOutcome.Passed, result.Outcome);
        Assert.Equal([Start, Start.AddSeconds(30), Start.AddSeconds(60)], seen.Select(e => e.Timestamp));
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_an_operation_cancelled_not_a_verdict()
    {
        await using var server = new FaultServer();
        var health = HealthGateRunnerTests.Gate(server, successCount: 1000) with { Interval = TimeSpan.FromHours(1), Window = TimeSpan.FromDays(1000) };
        using var cancel = new CancellationTokenSource();
        var validator = new DeploymentValidator(TimeProvider.System, null, _health.Runner());

        var running = validator.ValidateAsync(new ValidationPlan { HealthGates = [health] }, "run-1", _ => cancel.Cancel(), cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }
}
