using System.Text.Json.Nodes;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Notifications;

/// <summary>Each channel's payload has the shape its service documents, as a local receiver sees it.</summary>
public sealed class NotificationChannelTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);
    private readonly HttpClientProvider _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Slack_gets_a_text_fallback_and_blocks_with_escaped_mrkdwn()
    {
        var body = await SendAsync("Slack", Firing with { Summary = "api is Unhealthy: <b> & co" });
        Assert.StartsWith(":rotating_light: [FIRING] api is Unhealthy", (string?)body["text"]);
        var blocks = body["blocks"]!.AsArray();
        Assert.Equal("section", (string?)blocks[0]!["type"]);
        Assert.Contains("&lt;b&gt; &amp; co", (string?)blocks[0]!["text"]!["text"]);
        Assert.Contains(blocks[1]!["fields"]!.AsArray(), f => ((string?)f!["text"])!.Contains("*Severity*\nCritical"));
    }

    [Fact]
    public async Task Teams_gets_an_adaptive_card_message()
    {
        var body = await SendAsync("Teams", Firing with { State = AlertState.Resolved, EndsAt = Start.AddMinutes(5) });
        Assert.Equal("message", (string?)body["type"]);
        var attachment = body["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", (string?)attachment["contentType"]);
        var card = attachment["content"]!;
        Assert.Equal("AdaptiveCard", (string?)card["type"]);
        Assert.Equal("1.4", (string?)card["version"]);
        Assert.Equal("Good", (string?)card["body"]![0]!["color"]);
        Assert.Contains(card["body"]![1]!["facts"]!.AsArray(), f => (string?)f!["title"] == "Service" && (string?)f["value"] == "api");
    }

    [Fact]
    public async Task A_generic_webhook_gets_the_notification_with_its_headers()
    {
        using var receiver = new RecordingReceiver();
        var map = new ConfigurationMap(new Dictionary<string, object?>
        {
            ["Type"] = "Webhook", ["Uri"] = receiver.Url,
            ["Headers"] = new Dictionary<string, object?> { ["Authorization"] = "env:HOOK_TOKEN" },
        }, "test", "Channels[0]");
        var channel = NotificationChannels.Create(map, _http, new SecretResolver(n => n == "HOOK_TOKEN" ? "Bearer t0k3n" : null), null, new SecretRedactor());
        await channel.SendAsync(Firing, CancellationToken.None);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("Bearer t0k3n", request.Authorization);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("1", (string?)body["version"]);
        Assert.Equal("firing", (string?)body["state"]);
        Assert.Equal("opsautomation/health/api", (string?)body["dedupKey"]);
        Assert.Equal("platform", (string?)body["labels"]!["owner"]);
        Assert.Equal("2026-11-28T09:30:00.0000000Z", (string?)body["startsAt"]);
    }

    [Fact]
    public async Task A_PagerDuty_resolve_carries_only_the_routing_key_the_action_and_the_dedup_key()
    {
        var body = await SendAsync("PagerDuty", Firing with { State = AlertState.Resolved });
        Assert.Equal(["routing_key", "event_action", "dedup_key"], body.AsObject().Select(p => p.Key));
        Assert.Equal("resolve", (string?)body["event_action"]);
    }

    [Fact]
    public async Task A_change_goes_to_PagerDuty_change_events_and_never_pages_through_Alertmanager()
    {
        using var receiver = new RecordingReceiver();
        var pagerDuty = NotificationChannels.Create(new ConfigurationMap(new Dictionary<string, object?>
        {
            ["Type"] = "PagerDuty", ["RoutingKey"] = "env:SECRET", ["Uri"] = receiver.Url.Replace("/hook", "/v2/enqueue", StringComparison.Ordinal),
        }, "test", "Channels[0]"), _http, new SecretResolver(_ => "routing-key"), null, new SecretRedactor());
        var alertmanager = NotificationChannels.Create(new ConfigurationMap(new Dictionary<string, object?> { ["Type"] = "Alertmanager", ["Uri"] = receiver.Url },
            "test", "Channels[1]"), _http, new SecretResolver(), null, new SecretRedactor());
        var change = Firing with { Kind = NotificationKind.Change, Summary = "shop/web deployed: web=registry/web@sha256:ab12", AlertName = "Deployment" };

        var deliveries = await new Notifier(new ResiliencePipelineProvider(TimeProvider.System)).SendAsync(change, [pagerDuty, alertmanager], CancellationToken.None);

        Assert.Equal([pagerDuty.Name], deliveries.Select(d => d.Channel));
        var (path, body, _) = Assert.Single(receiver.Requests);
        Assert.Equal("/v2/change/enqueue", path);
        var json = JsonNode.Parse(body)!;
        Assert.Equal(["routing_key", "payload"], json.AsObject().Select(p => p.Key));
        Assert.Equal("shop/web deployed: web=registry/web@sha256:ab12", (string?)json["payload"]!["summary"]);
        Assert.Null(json["event_action"]);
    }

    [Fact]
    public void Chat_channels_and_webhooks_say_a_change_is_a_change()
    {
        var change = Firing with { Kind = NotificationKind.Change, Summary = "shop/web rolled back" };
        Assert.StartsWith(":rocket: [CHANGE] shop/web rolled back", (string?)SlackChannel.ToMessage(change)["text"]);
        Assert.Equal("change", (string?)WebhookChannel.ToPayload(change)["kind"]);
        Assert.Equal("alert", (string?)WebhookChannel.ToPayload(Firing)["kind"]);
        Assert.Contains("\"Change\"", TeamsChannel.ToMessage(change).ToJsonString());
    }

    [Fact]
    public void An_alertmanager_alert_carries_every_annotation_and_the_labels()
    {
        var alert = AlertmanagerChannel.ToAlert(Firing with
        {
            Annotations = new Dictionary<string, string> { ["runbook_url"] = "https://runbooks.internal/api", ["summary"] = "ignored: Summary wins" },
        });
        Assert.Equal("https://runbooks.internal/api", (string?)alert["annotations"]!["runbook_url"]);
        Assert.Equal("api is Unhealthy: HTTP 503", (string?)alert["annotations"]!["summary"]);
        Assert.Equal("platform", (string?)alert["labels"]!["owner"]);
        Assert.Equal("ServiceHealthCheckFailing", (string?)alert["labels"]!["alertname"]);
        Assert.Null(alert["endsAt"]);
    }

    [Fact]
    public void An_unknown_channel_type_names_the_known_ones()
    {
        var map = new ConfigurationMap(new Dictionary<string, object?> { ["Type"] = "Pager" }, "catalog.psd1", "Alerting.Channels[1]");
        var error = Assert.Throws<ConfigurationException>(() => NotificationChannels.Create(map, _http, new SecretResolver(), null, new SecretRedactor()));
        Assert.Contains("Alerting.Channels[1].Type", error.Message);
        Assert.Contains("Alertmanager, PagerDuty, Slack, Teams, Webhook", error.Message);
    }

    internal static Notification Firing => new()
    {
        DedupKey = "opsautomation/health/api",
        State = AlertState.Firing,
        AlertName = "ServiceHealthCheckFailing",
        Severity = HealthSeverity.Critical,
        Summary = "api is Unhealthy: HTTP 503",
        Description = "api failed 3 consecutive checks.",
        Source = "api",
        Component = "Http",
        Labels = new Dictionary<string, string> { ["owner"] = "platform" },
        StartsAt = Start,
        Timestamp = Start,
    };

    private async Task<JsonNode> SendAsync(string type, Notification notification)
    {
        using var receiver = new RecordingReceiver();
        var values = new Dictionary<string, object?> { ["Type"] = type };
        if (type == "PagerDuty") { values["RoutingKey"] = "env:SECRET"; values["Uri"] = receiver.Url; }
        else values["Uri"] = "env:SECRET";
        var channel = NotificationChannels.Create(new ConfigurationMap(values, "test", "Channels[0]"), _http,
            new SecretResolver(n => n == "SECRET" ? (type == "PagerDuty" ? "routing-key" : receiver.Url) : null), null, new SecretRedactor());
        await channel.SendAsync(notification, CancellationToken.None);
        return JsonNode.Parse(Assert.Single(receiver.Requests).Body)!;
    }
}
