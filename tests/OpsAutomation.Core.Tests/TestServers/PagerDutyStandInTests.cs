using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;
using OpsAutomation.TestServers;

namespace OpsAutomation.Core.Tests.TestServers;

/// <summary>The PagerDuty stand-in holds events to the Events API v2 rules, and the module's PagerDuty channel keeps them.</summary>
public sealed class PagerDutyStandInTests : IAsyncLifetime, IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private readonly HttpClient _client = new();
    private PagerDutyStandIn _standIn = null!;

    public async Task InitializeAsync() => _standIn = await PagerDutyStandIn.StartAsync();

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    public void Dispose() => _client.Dispose();

    [Theory]
    [InlineData("""{"event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}""", "'routing_key' is missing or blank")]
    [InlineData("""{"routing_key":"short","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}""", "Length of 'routing_key' is incorrect (should be 32 characters)")]
    [InlineData("""{"routing_key":"KEY","event_action":"page","dedup_key":"d"}""", "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")]
    [InlineData("""{"routing_key":"KEY","dedup_key":"d"}""", "'event_action' is missing or blank")]
    [InlineData("""{"routing_key":"KEY","event_action":"acknowledge"}""", "'dedup_key' is missing or blank")]
    [InlineData("""{"routing_key":"KEY","event_action":"resolve","dedup_key":""}""", "'dedup_key' is missing or blank")]
    [InlineData("""{"routing_key":"KEY","event_action":"resolve","dedup_key":"LONG"}""", "'dedup_key' is too long (maximum 255 characters)")]
    [InlineData("""{"routing_key":"KEY","event_action":"resolve","dedup_key":42}""", "'dedup_key' must be a string")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger"}""", "'payload' is missing or blank")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"source":"x","severity":"info"}}""", "'payload.summary' is missing or blank")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"SUMMARY","source":"x","severity":"info"}}""", "'payload.summary' is too long (maximum 1024 characters)")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","severity":"info"}}""", "'payload.source' is missing or blank")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x"}}""", "'payload.severity' is missing or blank")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"high"}}""", "'payload.severity' is invalid (must be one of: critical, error, warning, info)")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info","timestamp":"yesterday"}}""", "'payload.timestamp' is not a valid ISO 8601 date-time")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info","component":7}}""", "'payload.component' must be a string")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"},"links":{"href":"https://x"}}""", "'links' must be an array")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"},"links":[{"text":"no href"}]}""", "Each of 'links' must be an object with an 'href' URL")]
    [InlineData("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"},"images":[{"src":"not a url"}]}""", "Each of 'images' must be an object with a 'src' URL")]
    [InlineData("""[1,2]""", "Event is not a JSON object")]
    [InlineData("""{"routing_key":""", "Event is not a JSON object")]
    public async Task A_malformed_event_is_refused_with_400_and_the_rule_it_breaks(string body, string error)
    {
        body = body.Replace("KEY", Key, StringComparison.Ordinal).Replace("LONG", new string('d', 256), StringComparison.Ordinal)
            .Replace("SUMMARY", new string('s', 1025), StringComparison.Ordinal);

        var (status, answer) = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(("invalid event", "Event object is invalid"), ((string?)answer["status"], (string?)answer["message"]));
        Assert.Contains(error, answer["errors"]!.AsArray().Select(e => (string?)e));
        Assert.Empty(_standIn.Events);
    }

    [Fact]
    public async Task A_body_that_is_not_json_or_too_large_is_refused()
    {
        using var text = new StringContent("{}", Encoding.UTF8, "text/plain");
        var plain = await _client.PostAsync(_standIn.EventsUri, text);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);

        var large = K("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info","custom_details":{"blob":"BLOB"}}}""");
        var (status, answer) = await PostAsync(large);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("maximum size", (string?)answer["errors"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_acknowledge_and_resolve_move_one_alert_as_PagerDuty_does()
    {
        var (status, answer) = await PostAsync(K("""{"routing_key":"KEY","event_action":"trigger","dedup_key":"inc-1","payload":{"summary":"down","source":"api","severity":"critical","timestamp":"2026-12-07T10:00:00.000Z"}}"""));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(("success", "Event processed", "inc-1"), ((string?)answer["status"], (string?)answer["message"], (string?)answer["dedup_key"]));
        Assert.Equal("triggered", _standIn.Alert("inc-1")!.Status);

        await PostAsync(K("""{"routing_key":"KEY","event_action":"trigger","dedup_key":"inc-1","payload":{"summary":"down","source":"api","severity":"critical"}}"""));
        await PostAsync(K("""{"routing_key":"KEY","event_action":"acknowledge","dedup_key":"inc-1"}"""));
        Assert.Equal(("acknowledged", 2), (_standIn.Alert("inc-1")!.Status, _standIn.Alert("inc-1")!.Triggers));
        await PostAsync(K("""{"routing_key":"KEY","event_action":"resolve","dedup_key":"inc-1"}"""));
        Assert.Equal("resolved", _standIn.Alert("inc-1")!.Status);

        var (_, generated) = await PostAsync(K("""{"routing_key":"KEY","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}"""));
        Assert.Equal(32, ((string?)generated["dedup_key"])!.Length);
    }

    [Fact]
    public async Task It_throttles_on_demand_with_429()
    {
        _standIn.RateLimitNext = 1;
        var body = K("""{"routing_key":"KEY","event_action":"resolve","dedup_key":"x"}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostAsync(body)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(body)).Status);
    }

    [Fact]
    public async Task The_module_s_PagerDuty_events_keep_every_rule()
    {
        using var http = new HttpClientProvider();
        var channel = new PagerDutyChannel(http.Get(), Key, _standIn.EventsUri);
        var firing = new Notification
        {
            DedupKey = "opsautomation/incident/" + new string('k', 300), State = AlertState.Firing, AlertName = "Incident", Severity = HealthSeverity.Warning,
            Summary = new string('s', 5000), Source = "checkout", Component = null, Group = "payments",
            Details = new Dictionary<string, string> { ["incident_id"] = "INC-1" },
            Links = [new NotificationLink("https://ops.example.com/incidents/INC-1", "report")],
            StartsAt = DateTimeOffset.UtcNow, Timestamp = DateTimeOffset.UtcNow,
        };

        await channel.SendAsync(firing, CancellationToken.None);
        await channel.SendAsync(firing with { Kind = NotificationKind.Acknowledgement }, CancellationToken.None);
        await channel.SendAsync(firing with { State = AlertState.Resolved, EndsAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        await channel.SendAsync(firing with { Kind = NotificationKind.Change }, CancellationToken.None);

        Assert.Empty(_standIn.Rejections);
        Assert.Equal(["trigger", "acknowledge", "resolve", "change"], _standIn.Events.Select(e => e.EventAction));
        var alert = Assert.Single(_standIn.Alerts);
        Assert.Equal(("resolved", 1, 1), (alert.Status, alert.Acknowledges, alert.Resolves));
        Assert.True(alert.DedupKey.Length <= 255);
    }

    private static string K(string body) => body.Replace("KEY", Key, StringComparison.Ordinal).Replace("BLOB", new string('x', 600 * 1024), StringComparison.Ordinal);

    private async Task<(HttpStatusCode Status, JsonNode Answer)> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync(_standIn.EventsUri, content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
