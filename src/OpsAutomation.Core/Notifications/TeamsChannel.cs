using OpsAutomation.Core.Http;
using System.Text.Json.Nodes;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// A Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received"):
/// a message whose attachment is an Adaptive Card 1.4 with a title and a fact set.
/// </summary>
internal sealed class TeamsChannel : INotificationChannel
{
    private readonly HttpClient _client;
    private readonly HttpLimits _limits;
    private readonly Uri _webhook;

    public TeamsChannel(HttpClient client, Uri webhook, HttpLimits? limits = null)
    {
        _limits = limits ?? HttpLimits.Api;
        _client = client;
        _webhook = webhook;
    }

    public string Name => "Teams";

    public string Key => ChannelKey.Of(Name, _webhook.AbsoluteUri);

    public bool RepeatWhileFiring => false;

    public Task SendAsync(Notification notification, CancellationToken cancellationToken) =>
        JsonPost.SendAsync(_client, _webhook, _limits, ToMessage(notification), Name, cancellationToken);

    internal static JsonObject ToMessage(Notification n)
    {
        var facts = new JsonArray(
            Fact("Service", n.Source),
            Fact("Severity", n.Severity.ToString()),
            Fact("State", n.Kind == NotificationKind.Change ? "Change" : n.State.ToString()),
            Fact("Since", n.StartsAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var (name, value) in n.Labels) facts.Add(Fact(name, value));
        var body = new JsonArray(
            new JsonObject
            {
                ["type"] = "TextBlock", ["text"] = n.Summary, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true,
                ["color"] = n.Kind == NotificationKind.Change ? "Accent" : n.State == AlertState.Resolved ? "Good" : "Attention",
            },
            new JsonObject { ["type"] = "FactSet", ["facts"] = facts });
        if (n.Description is not null)
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = n.Description, ["wrap"] = true });
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["contentType"] = "application/vnd.microsoft.card.adaptive",
                ["contentUrl"] = null,
                ["content"] = new JsonObject
                {
                    ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                    ["type"] = "AdaptiveCard",
                    ["version"] = "1.4",
                    ["body"] = body,
                },
            }),
        };
    }

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };
}
