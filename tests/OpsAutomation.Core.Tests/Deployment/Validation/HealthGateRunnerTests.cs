using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Validation;

/// <summary>Health gates through the real health engine against local servers: steady, flapping and never steady.</summary>
public sealed class HealthGateRunnerTests : IDisposable
{
    private readonly HealthHarness _harness = new();
    private readonly OpsLog _log;

    public HealthGateRunnerTests()
    {
        _log = new OpsLog("gates", new OpsLogOptions { Directory = Path.Combine(_harness.StatePath, "logs") }, new SecretRedactor());
    }

    public void Dispose()
    {
        _log.Dispose();
        _harness.Dispose();
    }

    internal HealthGateRunner Runner() =>
        new(new HealthRounds(_harness.Runtime, new HealthRunOptions { RunId = "gates", Settings = _harness.Settings }, _log), TimeProvider.System);

    internal static HealthGate Gate(FaultServer server, int successCount = 3, int failureLimit = 0, double windowSec = 60) => new()
    {
        Name = "web", Checks = [HealthHarness.Http(server.Url, "web")], SuccessCount = successCount, FailureLimit = failureLimit,
        Interval = TimeSpan.FromMilliseconds(10), Window = TimeSpan.FromSeconds(windowSec),
    };

    [Fact]
    public async Task A_steady_target_passes_after_success_count_rounds_in_a_row()
    {
        await using var server = new FaultServer();
        var seen = new List<GateEvaluation>();

        var result = await Runner().RunAsync(Gate(server), seen.Add, CancellationToken.None);

        Assert.Equal((GateOutcome.Passed, 3, 0), (result.Outcome, result.Passed, result.Failed));
        Assert.Equal("web: web passed 3 rounds in a row (of 3; 0 failed, limit 0)", result.Reason);
        Assert.Equal([1, 2, 3], seen.Select(e => e.Number));
        Assert.All(seen, e => Assert.Equal((GateVerdict.Pass, $"web ({server.Url})", "Healthy or Degraded"), (e.Verdict, e.Query, e.Threshold)));
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task A_flapping_target_starts_the_run_of_passes_again_after_a_failure_it_tolerates()
    {
        await using var server = new FaultServer(respond: n => n == 2 ? (500, "down") : (200, "ok"));

        var result = await Runner().RunAsync(Gate(server, failureLimit: 1), null, CancellationToken.None);

        // Rounds: pass, fail (tolerated, the run starts again), pass, pass, pass.
        Assert.Equal((GateOutcome.Passed, 4, 1, 5), (result.Outcome, result.Passed, result.Failed, result.Evaluations.Count));
        Assert.Equal(GateVerdict.Fail, result.Evaluations[1].Verdict);
        Assert.StartsWith("Unhealthy (HTTP 500, ", result.Evaluations[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flapping_target_fails_once_its_failures_pass_the_limit_naming_the_check()
    {
        await using var server = new FaultServer(respond: n => n == 2 ? (500, "down") : (200, "ok"));

        var result = await Runner().RunAsync(Gate(server), null, CancellationToken.None);

        Assert.Equal(GateOutcome.Failed, result.Outcome);
        Assert.StartsWith("web: 1 of 2 rounds failed (limit 0); last: web Unhealthy (HTTP 500, ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_that_never_passes_enough_rounds_in_a_row_fails_when_the_window_ends()
    {
        await using var server = new FaultServer(respond: n => n % 2 == 0 ? (500, "down") : (200, "ok"));
        // Rounds 10 ms apart in a 30 ms window: at most 4, never 3 passes in a row.
        var gate = Gate(server, failureLimit: 1000, windowSec: 0.03);

        var result = await Runner().RunAsync(gate, null, CancellationToken.None);

        Assert.Equal(GateOutcome.Failed, result.Outcome);
        Assert.Contains("the window of 30ms ended with ", result.Reason, StringComparison.Ordinal);
        Assert.Contains("of 3 passes in a row", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gate_without_checks_is_refused_rather_than_passed_without_a_probe()
    {
        await using var server = new FaultServer();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Runner().RunAsync(Gate(server) with { Checks = [] }, null, CancellationToken.None));

        Assert.Contains("'web' has no checks", error.Message, StringComparison.Ordinal);
    }
}
