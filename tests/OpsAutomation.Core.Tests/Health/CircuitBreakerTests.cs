using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>Circuit breakers kept in the state store: they span runs (each a new runtime, as a new process would be) and overlapping runs agree.</summary>
public sealed class CircuitBreakerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task After_the_threshold_of_failures_the_target_is_skipped_until_the_cool_down_passes()
    {
        var healthy = false;
        await using var server = new FaultServer(respond: _ => healthy ? (200, "ok") : (503, "down"));
        var definition = Definition(server.Url);

        for (var run = 1; run <= 3; run++)
        {
            var failed = await RunInNewProcessAsync(definition);
            Assert.Equal(HealthStatus.Unhealthy, failed.Status);
            Assert.Equal(run == 3 ? "Open" : "Closed", failed.Details["CircuitState"]);
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(3, server.Requests);

        var skipped = await RunInNewProcessAsync(definition);
        Assert.Equal(HealthStatus.CircuitOpen, skipped.Status);
        Assert.Equal(HealthErrorKind.CircuitOpen, skipped.ErrorKind);
        Assert.Equal(0, skipped.Attempts);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 12, 12, 0, TimeSpan.Zero), skipped.NextProbeAt);
        Assert.Contains("after 3 consecutive failures", skipped.Error);
        Assert.Equal(3, server.Requests);

        _time.Advance(TimeSpan.FromMinutes(10));
        healthy = true;
        var trial = await RunInNewProcessAsync(definition);
        Assert.Equal(HealthStatus.Healthy, trial.Status);
        Assert.Equal(4, server.Requests);
        Assert.Equal(HealthStatus.Healthy, (await RunInNewProcessAsync(definition)).Status);
        Assert.Equal(5, server.Requests);
    }

    [Fact]
    public async Task A_failed_trial_reopens_the_circuit_for_another_cool_down()
    {
        await using var server = new FaultServer(status: 503);
        var definition = Definition(server.Url) with { CircuitBreakerThreshold = 1 };
        Assert.Equal("Open", (await RunInNewProcessAsync(definition)).Details["CircuitState"]);
        _time.Advance(TimeSpan.FromMinutes(11));

        var trial = await RunInNewProcessAsync(definition);
        Assert.Equal(HealthStatus.Unhealthy, trial.Status);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), trial.NextProbeAt);
        Assert.Equal(HealthStatus.CircuitOpen, (await RunInNewProcessAsync(definition)).Status);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task Ignoring_the_circuit_probes_an_open_one_and_a_success_closes_it()
    {
        var healthy = false;
        await using var server = new FaultServer(respond: _ => healthy ? (200, "ok") : (503, "down"));
        var definition = Definition(server.Url) with { CircuitBreakerThreshold = 1 };
        Assert.Equal("Open", (await RunInNewProcessAsync(definition)).Details["CircuitState"]);
        Assert.Equal(HealthStatus.CircuitOpen, (await RunInNewProcessAsync(definition)).Status);

        var stillDown = await RunInNewProcessAsync(definition, ignoreCircuit: true);
        Assert.Equal(HealthStatus.Unhealthy, stillDown.Status);
        Assert.Equal(2, server.Requests);
        Assert.Equal(HealthStatus.CircuitOpen, (await RunInNewProcessAsync(definition)).Status);

        healthy = true;
        Assert.Equal(HealthStatus.Healthy, (await RunInNewProcessAsync(definition, ignoreCircuit: true)).Status);
        // Closed by the success: the next ordinary run probes, within what would have been the cool-down.
        Assert.Equal(HealthStatus.Healthy, (await RunInNewProcessAsync(definition)).Status);
        Assert.Equal(4, server.Requests);
    }

    [Fact]
    public async Task Without_a_threshold_no_circuit_is_kept()
    {
        await using var server = new FaultServer(status: 503);
        for (var run = 0; run < 4; run++)
            Assert.Equal(HealthStatus.Unhealthy, (await RunInNewProcessAsync(Definition(server.Url) with { CircuitBreakerThreshold = 0 })).Status);
        Assert.Equal(4, server.Requests);
    }

    [Fact]
    public async Task Two_overlapping_runs_agree_on_one_trial_call()
    {
        var store = await StateStore.OpenAsync(_state.Path, CancellationToken.None);
        var circuits = new CircuitBreakerStore(store);
        var now = _time.GetUtcNow();
        await circuits.RecordFailureAsync("svc", 1, TimeSpan.FromMinutes(5), now, CancellationToken.None);
        var later = now + TimeSpan.FromMinutes(6);

        var decisions = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            circuits.EnterAsync("svc", $"run-{i}", later, TimeSpan.FromMinutes(1), CancellationToken.None)));
        Assert.Single(decisions, d => d.Allowed && d.IsTrial);
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.Equal(later + TimeSpan.FromMinutes(1), d.BlockedUntil));

        // The trial's run died without reporting: once its lease lapses, another run may try.
        var afterLease = await circuits.EnterAsync("svc", "run-9", later + TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.True(afterLease.Allowed && afterLease.IsTrial);
    }

    private static HealthCheckDefinition Definition(string url) => HealthHarness.Http(url) with
    {
        CircuitBreakerThreshold = 3,
        CircuitBreakerCooldown = TimeSpan.FromMinutes(10),
    };

    private async Task<HealthCheckResult> RunInNewProcessAsync(HealthCheckDefinition definition, bool ignoreCircuit = false)
    {
        using var harness = new HealthHarness(_time, _state.Path) { Configure = options => options with { IgnoreCircuit = ignoreCircuit } };
        return Assert.Single(await harness.RunAsync(definition));
    }
}
