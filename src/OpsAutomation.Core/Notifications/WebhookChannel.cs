using OpsAutomation.Core.Http;
using System.Text.Json.Nodes;

namespace OpsAutomation.Core.Notifications;

/// <summary>A generic JSON webhook: the notification itself, with a version field so receivers can evolve.</summary>
internal sealed class WebhookChannel : INotificationChannel
{
    private readonly HttpClient _client;
    private readonly HttpLimits _limits;
    private readonly Uri _uri;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;

    public WebhookChannel(HttpClient client, Uri uri, IReadOnlyList<KeyValuePair<string, string>> headers, HttpLimits? limits = null)
    {
        _limits = limits ?? HttpLimits.Api;
        _client = client;
        _uri = uri;
        _headers = headers;
        Name = $"Webhook ({uri.Authority})";
    }

    public string Name { get; }

    public string Key => ChannelKey.Of(Name, _uri.AbsoluteUri);

    public bool RepeatWhileFiring => false;

    public Task SendAsync(Notification notification, CancellationToken cancellationToken) =>
        JsonPost.SendAsync(_client, _uri, _limits, ToPayload(notification), Name, cancellationToken, _headers);

    internal static JsonObject ToPayload(Notification n)
    {
        var labels = new JsonObject();
        foreach (var (name, value) in n.Labels) labels[name] = value;
        var payload = new JsonObject
        {
            ["version"] = "1",
            ["source"] = "OpsAutomation",
            ["kind"] = n.Kind.ToString().ToLowerInvariant(),
            ["dedupKey"] = n.DedupKey,
            ["state"] = n.State.ToString().ToLowerInvariant(),
            ["alertName"] = n.AlertName,
            ["severity"] = n.Severity.ToString().ToLowerInvariant(),
            ["summary"] = n.Summary,
            ["description"] = n.Description,
            ["service"] = n.Source,
            ["component"] = n.Component,
            ["labels"] = labels,
            ["startsAt"] = n.StartsAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["timestamp"] = n.Timestamp.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (n.Details.Count > 0)
        {
            var details = new JsonObject();
            foreach (var (name, value) in n.Details) details[name] = value;
            payload["details"] = details;
        }
        if (n.Links.Count > 0)
            payload["links"] = new JsonArray([.. n.Links.Select(l => (JsonNode)new JsonObject { ["href"] = l.Href, ["text"] = l.Text })]);
        if (n.EndsAt is { } ends) payload["endsAt"] = ends.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return payload;
    }
}
