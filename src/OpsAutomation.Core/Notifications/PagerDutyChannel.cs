using OpsAutomation.Core.Http;
using System.Text.Json.Nodes;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// PagerDuty Events API v2: POST /v2/enqueue with routing_key, event_action trigger or resolve,
/// and dedup_key, so a resolve closes the incident its trigger opened. A change (a deployment)
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

    internal static JsonObject ToEvent(Notification n, string routingKey)
    {
        var resolve = n.State == AlertState.Resolved;
        var body = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = resolve ? "resolve" : "trigger",
            ["dedup_key"] = n.DedupKey,
        };
        if (resolve) return body;

        var details = new JsonObject();
        if (n.Description is not null) details["description"] = n.Description;
        foreach (var (name, value) in n.Labels) details[name] = value;
        body["payload"] = new JsonObject
        {
            // PagerDuty limits the summary to 1024 characters.
            ["summary"] = n.Summary.Length <= 1024 ? n.Summary : n.Summary[..1021] + "...",
            ["source"] = n.Source,
            ["severity"] = n.Severity.ToString().ToLowerInvariant(),
            ["timestamp"] = n.StartsAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["component"] = n.Component,
            ["class"] = n.AlertName,
            ["custom_details"] = details,
        };
        body["client"] = "OpsAutomation";
        return body;
    }
}
