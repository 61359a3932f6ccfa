using OpsAutomation.Core.Alerting;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Notifications;

/// <summary>
/// Two local receivers, one refusing for a while: every run is a new runtime on the same state
/// store, as scheduled runs are. The refused channel is sent the alert again until it takes it.
/// </summary>
public sealed class AlertDeliveryTests : IDisposable
{
    private readonly TempDirectory _state = new();
    private bool _healthy;

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task A_channel_that_failed_is_retried_on_later_runs_until_it_takes_the_firing_and_then_gets_the_resolve()
    {
        using var steady = new RecordingReceiver(202);
        using var flaky = new RecordingReceiver(400, 400, 202);
        await using var service = new FaultServer(respond: _ => _healthy ? (200, "ok") : (503, "down"));

        var first = await RunAsync(service, steady, flaky);
        Assert.Equal((AlertState.Firing, true), (first.State, first.Changed));
        Assert.Single(first.Delivered);
        Assert.Single(first.Failed);

        var second = await RunAsync(service, steady, flaky);
        Assert.Empty(second.Delivered);
        Assert.Contains("HTTP 400", Assert.Single(second.Failed));

        var third = await RunAsync(service, steady, flaky);
        Assert.Equal([$"Webhook (127.0.0.1:{flaky.Port})"], third.Delivered);
        Assert.Empty(third.Failed);

        var fourth = await RunAsync(service, steady, flaky);
        Assert.Empty(fourth.Delivered);

        _healthy = true;
        var resolved = await RunAsync(service, steady, flaky);
        Assert.Equal((AlertState.Resolved, true), (resolved.State, resolved.Changed));
        Assert.Equal(2, resolved.Delivered.Count);

        Assert.Equal(["firing", "resolved"], steady.Bodies.Select(b => (string?)b["state"]));
        Assert.Equal(["firing", "firing", "firing", "resolved"], flaky.Bodies.Select(b => (string?)b["state"]));
        Assert.Single(flaky.Bodies.Select(b => (string?)b["dedupKey"]).Distinct());
    }

    [Fact]
    public async Task A_resolve_goes_only_to_the_channels_that_took_the_firing_and_is_retried_until_taken()
    {
        using var steady = new RecordingReceiver(202);
        using var missedFiring = new RecordingReceiver(400, 202);
        await using var service = new FaultServer(respond: _ => _healthy ? (200, "ok") : (503, "down"));

        await RunAsync(service, steady, missedFiring);
        _healthy = true;
        var resolved = await RunAsync(service, steady, missedFiring);

        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal([$"Webhook (127.0.0.1:{steady.Port})"], resolved.Delivered);
        Assert.Equal(["firing", "resolved"], steady.Bodies.Select(b => (string?)b["state"]));
        Assert.Equal(["firing"], missedFiring.Bodies.Select(b => (string?)b["state"]));

        using var refusingResolve = new RecordingReceiver(202, 400, 202);
        _healthy = false;
        await RunAsync(service, refusingResolve);
        _healthy = true;
        var refused = await RunAsync(service, refusingResolve);
        Assert.Single(refused.Failed);
        var retried = await RunAsync(service, refusingResolve);
        Assert.Single(retried.Delivered);
        Assert.Equal(["firing", "resolved", "resolved"], refusingResolve.Bodies.Select(b => (string?)b["state"]));
    }

    /// <summary>One scheduled run: a new runtime, a check of the service and its alert evaluated on the shared store.</summary>
    private async Task<HealthAlert> RunAsync(FaultServer service, params RecordingReceiver[] receivers)
    {
        using var harness = new HealthHarness(statePath: _state.Path);
        var result = Assert.Single(await harness.RunAsync(HealthHarness.Http(service.Url, "svc")));
        var channels = receivers.Select((r, i) => NotificationChannels.Create(
            new ConfigurationMap(new Dictionary<string, object?> { ["Type"] = "Webhook", ["Uri"] = r.Url }, "test", $"Alerting.Channels[{i}]"),
            harness.Runtime.Http, new SecretResolver(), null, new SecretRedactor())).ToList();
        var store = await harness.Runtime.GetStateStoreAsync(harness.StatePath, CancellationToken.None);
        var notifier = new Notifier(harness.Runtime.Pipelines, new ResilienceOptions { RetryCount = 0, AttemptTimeout = TimeSpan.FromSeconds(5) });
        var evaluator = new HealthAlertEvaluator(new HealthAlertOptions { FailureThreshold = 1, SuccessThreshold = 1 }, channels, notifier, store, TimeProvider.System);
        return await evaluator.EvaluateAsync(result, whatIf: false, CancellationToken.None);
    }
}
