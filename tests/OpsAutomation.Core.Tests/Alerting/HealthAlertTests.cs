using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Alerting;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Alerting;

/// <summary>Alerts fire after N failures and resolve after M successes, counted on the persisted history, and reach real and local receivers.</summary>
public sealed class HealthAlertTests : IDisposable
{
    private const string RoutingKey = "R0UT1NGKEY-secret-0123456789";
    private readonly HealthHarness _harness = new();
    private bool _healthy;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task An_alert_fires_after_the_failure_threshold_and_resolves_after_the_success_threshold()
    {
        using var pagerDuty = new RecordingReceiver();
        await using var service = new FaultServer(respond: _ => _healthy ? (200, "ok") : (503, "down"));
        var evaluator = await EvaluatorAsync(Channel(new() { ["Type"] = "PagerDuty", ["RoutingKey"] = "env:PD_KEY", ["Uri"] = pagerDuty.Url }));

        var states = new List<(AlertState State, bool Changed)>();
        foreach (var healthy in new[] { false, false, false, false, true, true, true })
        {
            _healthy = healthy;
            var alert = await CheckAndEvaluateAsync(service, evaluator);
            states.Add((alert.State, alert.Changed));
        }

        Assert.Equal(
            [(AlertState.Inactive, false), (AlertState.Inactive, false), (AlertState.Firing, true), (AlertState.Firing, false),
             (AlertState.Firing, false), (AlertState.Resolved, true), (AlertState.Resolved, false)],
            states);
        var events = pagerDuty.Bodies;
        Assert.Equal(2, events.Count);
        Assert.Equal("trigger", (string?)events[0]["event_action"]);
        Assert.Equal("resolve", (string?)events[1]["event_action"]);
        Assert.Equal((string?)events[0]["dedup_key"], (string?)events[1]["dedup_key"]);
        Assert.Equal(RoutingKey, (string?)events[0]["routing_key"]);
        Assert.Equal("critical", (string?)events[0]["payload"]!["severity"]);
        Assert.Equal("svc", (string?)events[0]["payload"]!["source"]);
        Assert.Contains("HTTP 503", (string?)events[0]["payload"]!["summary"]);
    }

    [Fact]
    public async Task Alertmanager_shows_the_firing_alert_and_drops_it_when_resolved()
    {
        var alertmanager = Environment.GetEnvironmentVariable("OPS_TEST_ALERTMANAGER_URL")
            ?? throw new InvalidOperationException("OPS_TEST_ALERTMANAGER_URL is not set: run through ./build.ps1 Test, which starts Alertmanager.");
        await using var service = new FaultServer(respond: _ => _healthy ? (200, "ok") : (503, "down"));
        var name = $"svc-{Guid.NewGuid():N}";
        var evaluator = await EvaluatorAsync(Channel(new() { ["Type"] = "Alertmanager", ["Uri"] = alertmanager }));

        for (var i = 0; i < 3; i++) await CheckAndEvaluateAsync(service, evaluator, name);
        using var client = new HttpClient();
        var active = await ActiveAlertsAsync(client, alertmanager, name);
        var alert = Assert.Single(active);
        Assert.Equal("ServiceHealthCheckFailing", (string?)alert["labels"]!["alertname"]);
        Assert.Equal("critical", (string?)alert["labels"]!["severity"]);
        Assert.Equal("active", (string?)alert["status"]!["state"]);

        _healthy = true;
        for (var i = 0; i < 2; i++) await CheckAndEvaluateAsync(service, evaluator, name);
        Assert.Empty(await ActiveAlertsAsync(client, alertmanager, name));
    }

    [Fact]
    public async Task A_channel_that_fails_transiently_is_retried_and_a_refused_alert_is_sent_again_next_run()
    {
        using var flaky = new RecordingReceiver(503, 202);
        using var refusing = new RecordingReceiver(400);
        await using var service = new FaultServer(status: 503);
        var retrying = await EvaluatorAsync(Channel(new() { ["Type"] = "Webhook", ["Uri"] = flaky.Url }), threshold: 1);
        var alert = await CheckAndEvaluateAsync(service, retrying, "flaky");
        Assert.Equal(2, flaky.Requests.Count);
        Assert.Single(alert.Delivered);

        var refused = await EvaluatorAsync(Channel(new() { ["Type"] = "Webhook", ["Uri"] = refusing.Url }), threshold: 1);
        var first = await CheckAndEvaluateAsync(service, refused, "refused");
        Assert.Single(refusing.Requests);
        Assert.Empty(first.Delivered);
        Assert.Contains("HTTP 400", Assert.Single(first.Failed));
        // Nothing took the alert: it stays owed to the channel, and the next run sends it again.
        var second = await CheckAndEvaluateAsync(service, refused, "refused");
        Assert.Equal(AlertState.Firing, second.State);
        Assert.Contains("HTTP 400", Assert.Single(second.Failed));
        Assert.Equal(2, refusing.Requests.Count);
    }

    [Fact]
    public async Task WhatIf_decides_without_sending_or_recording()
    {
        using var receiver = new RecordingReceiver();
        await using var service = new FaultServer(status: 503);
        var evaluator = await EvaluatorAsync(Channel(new() { ["Type"] = "Webhook", ["Uri"] = receiver.Url }), threshold: 1);
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(service.Url, "svc") with { Severity = HealthSeverity.Critical }));
        var decided = await evaluator.EvaluateAsync(result, whatIf: true, CancellationToken.None);
        Assert.Equal(AlertState.Firing, decided.State);
        Assert.True(decided.Changed);
        Assert.Empty(receiver.Requests);
        Assert.True((await evaluator.EvaluateAsync(result, whatIf: false, CancellationToken.None)).Changed);
    }

    [Fact]
    public async Task Secrets_of_channels_must_be_references_and_never_reach_the_log()
    {
        var map = new ConfigurationMap(new Dictionary<string, object?> { ["Type"] = "Slack", ["Uri"] = "https://hooks.example.test/services/T0/B0/XYZ" }, "catalog.psd1", "Alerting.Channels[0]");
        var error = Assert.Throws<ConfigurationException>(() => NotificationChannels.Create(map, _harness.Runtime.Http, new SecretResolver(), null, new SecretRedactor()));
        Assert.Contains("Alerting.Channels[0].Uri", error.Message);
        Assert.DoesNotContain("XYZ", error.Message);

        using var pagerDuty = new RecordingReceiver(400);
        await using var service = new FaultServer(status: 503);
        var redactor = new SecretRedactor();
        var lines = new List<string>();
        using var log = new OpsLog("alert-run", new OpsLogOptions { Directory = Path.Combine(_harness.StatePath, "logs"), Console = lines.Add }, redactor);
        var evaluator = await EvaluatorAsync(Channel(new() { ["Type"] = "PagerDuty", ["RoutingKey"] = "env:PD_KEY", ["Uri"] = pagerDuty.Url }, redactor), threshold: 1, log);
        var alert = await CheckAndEvaluateAsync(service, evaluator);
        Assert.DoesNotContain(RoutingKey, string.Join(" ", alert.Failed));
        Assert.Equal("[REDACTED]", redactor.Redact(RoutingKey));
        var logged = Assert.Single(lines, l => l.Contains("\"health-alert\"", StringComparison.Ordinal));
        Assert.Contains("NotificationFailed", logged);
        Assert.DoesNotContain(RoutingKey, string.Concat(lines));
    }

    private async Task<HealthAlert> CheckAndEvaluateAsync(FaultServer service, HealthAlertEvaluator evaluator, string name = "svc")
    {
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(service.Url, name) with { Severity = HealthSeverity.Critical }));
        return await evaluator.EvaluateAsync(result, whatIf: false, CancellationToken.None);
    }

    private INotificationChannel Channel(Dictionary<string, object?> values, SecretRedactor? redactor = null) =>
        NotificationChannels.Create(new ConfigurationMap(values, "test", "Alerting.Channels[0]"), _harness.Runtime.Http,
            new SecretResolver(name => name == "PD_KEY" ? RoutingKey : null), null, redactor ?? new SecretRedactor());

    private async Task<HealthAlertEvaluator> EvaluatorAsync(INotificationChannel channel, int threshold = 3, OpsLog? log = null)
    {
        var store = await _harness.Runtime.GetStateStoreAsync(_harness.StatePath, CancellationToken.None);
        var notifier = new Notifier(_harness.Runtime.Pipelines, new ResilienceOptions { RetryCount = 2, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) });
        return new HealthAlertEvaluator(new HealthAlertOptions { FailureThreshold = threshold, SuccessThreshold = 2 }, [channel], notifier, store, TimeProvider.System, log);
    }

    private static async Task<List<JsonNode>> ActiveAlertsAsync(HttpClient client, string alertmanager, string service)
    {
        var alerts = await client.GetFromJsonAsync<JsonArray>($"{alertmanager}/api/v2/alerts?filter=service%3D%22{service}%22");
        return [.. alerts!.Select(a => a!)];
    }
}
