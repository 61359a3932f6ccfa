using OpsAutomation.Core.Http;
using System.Text.Json.Nodes;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// PagerDuty Events API v2: POST /v2/enqueue with routing_key, event_action trigger, acknowledge
/// or resolve, and dedup_key, so an acknowledge or a resolve reaches the incident its trigger opened. A change (a deployment)
/// goes to the Change Events API beside it, /v2/change/enqueue, which shows it on the service's
/// timeline without paging anyone.
/// </summary>
internal sealed class PagerDutyChannel : INotificationChannel
{
    /// <summary>The public Events API v2 endpoint.</summary>
    public static readonly Uri DefaultEndpoint = new("https://events.pagerduty.com/v2/enqueue");

    private readonly HttpClient _client;
    private readonly HttpLimits _limits;
    private readonly Uri _endpoint;
    private readonly string _routingKey;

    public PagerDutyChannel(HttpClient client, string routingKey, Uri? endpoint = null, HttpLimits? limits = null)
    {
        _limits = limits ?? HttpLimits.Api;
        _client = client;
        _routingKey = routingKey;
        _endpoint = endpoint ?? DefaultEndpoint;
        Name = $"PagerDuty ({_endpoint.Authority})";
    }

    public string Name { get; }

    public string Key => ChannelKey.Of(Name, _endpoint.AbsoluteUri, _routingKey);

    public bool RepeatWhileFiring => false;

    public bool AcceptsAcknowledgements => true;

    public Task SendAsync(Notification notification, CancellationToken cancellationToken) => notification.Kind == NotificationKind.Change
        ? JsonPost.SendAsync(_client, ChangeEndpoint(_endpoint), _limits, ToChangeEvent(notification, _routingKey), Name, cancellationToken)
        : JsonPost.SendAsync(_client, _endpoint, _limits, ToEvent(notification, _routingKey), Name, cancellationToken);

    /// <summary>The change events endpoint beside the events endpoint: <c>/v2/enqueue</c> becomes <c>/v2/change/enqueue</c>.</summary>
    internal static Uri ChangeEndpoint(Uri events)
    {
        var path = events.AbsolutePath.TrimEnd('/');
        var change = path.EndsWith("/enqueue", StringComparison.Ordinal) ? path[..^"/enqueue".Length] + "/change/enqueue" : path + "/change/enqueue";
        return new UriBuilder(events) { Path = change }.Uri;
    }

    internal static JsonObject ToChangeEvent(Notification n, string routingKey)
    {
        var details = new JsonObject();
        if (n.Description is not null) details["description"] = n.Description;
        foreach (var (name, value) in n.Labels) details[name] = value;
        return new JsonObject
        {
            ["routing_key"] = routingKey,
            ["payload"] = new JsonObject
            {
                ["summary"] = n.Summary.Length <= 1024 ? n.Summary : n.Summary[..1021] + "...",
                ["source"] = n.Source,
                ["timestamp"] = n.Timestamp.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["custom_details"] = details,
            },
        };
    }

    /// <summary>The longest dedup_key PagerDuty takes; a longer key is sent as its hash, the same for the trigger and its follow-ups.</summary>
    internal const int MaxDedupKeyLength = 255;

    /// <summary>The longest payload.summary PagerDuty takes.</summary>
    internal const int MaxSummaryLength = 1024;

    /// <summary>The severities PagerDuty knows, as <see cref="HealthSeverity"/> maps onto them (they share names).</summary>
    internal static string Severity(HealthSeverity severity) => severity switch
    {
        HealthSeverity.Critical => "critical",
        HealthSeverity.Error => "error",
        HealthSeverity.Warning => "warning",
        _ => "info",
    };

    /// <summary>The dedup_key sent for <paramref name="key"/>: itself when PagerDuty takes it, else a stable hash of it.</summary>
    internal static string DedupKey(string key) => key.Length <= MaxDedupKeyLength
        ? key
        : "sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    internal static JsonObject ToEvent(Notification n, string routingKey)
    {
        var action = n.Kind == NotificationKind.Acknowledgement ? "acknowledge" : n.State == AlertState.Resolved ? "resolve" : "trigger";
        var body = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = action,
            ["dedup_key"] = DedupKey(n.DedupKey),
        };
        // Acknowledge and resolve carry the key alone: PagerDuty ignores a payload on them.
        if (action != "trigger") return body;

        var details = new JsonObject();
        if (n.Description is not null) details["description"] = n.Description;
        foreach (var (name, value) in n.Labels) details[name] = value;
        foreach (var (name, value) in n.Details) details[name] = value;
        var payload = new JsonObject
        {
            ["summary"] = n.Summary.Length <= MaxSummaryLength ? n.Summary : n.Summary[..(MaxSummaryLength - 3)] + "...",
            ["source"] = n.Source,
            ["severity"] = Severity(n.Severity),
            ["timestamp"] = n.StartsAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        // Optional fields are left out rather than sent as null.
        if (!string.IsNullOrEmpty(n.Component)) payload["component"] = n.Component;
        if (!string.IsNullOrEmpty(n.Group)) payload["group"] = n.Group;
        payload["class"] = n.AlertName;
        payload["custom_details"] = details;
        body["payload"] = payload;
        body["client"] = "OpsAutomation";
        if (n.Links.Count > 0)
            body["links"] = new JsonArray([.. n.Links.Select(l => (JsonNode)new JsonObject { ["href"] = l.Href, ["text"] = l.Text })]);
        return body;
    }
}
