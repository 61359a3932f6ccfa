using OpsAutomation.Core.Http;
using System.Text.Json.Nodes;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Notifications;

/// <summary>A Slack incoming webhook: a text fallback plus Block Kit blocks (a header line, then the details).</summary>
internal sealed class SlackChannel : INotificationChannel
{
    private readonly HttpClient _client;
    private readonly HttpLimits _limits;
    private readonly Uri _webhook;

    public SlackChannel(HttpClient client, Uri webhook, HttpLimits? limits = null)
    {
        _limits = limits ?? HttpLimits.Api;
        _client = client;
        _webhook = webhook;
    }

    public string Name => "Slack";

    public string Key => ChannelKey.Of(Name, _webhook.AbsoluteUri);

    public bool RepeatWhileFiring => false;

    public Task SendAsync(Notification notification, CancellationToken cancellationToken) =>
        JsonPost.SendAsync(_client, _webhook, _limits, ToMessage(notification), Name, cancellationToken);

    internal static JsonObject ToMessage(Notification n)
    {
        var icon = n.Kind == NotificationKind.Change ? ":rocket:" : n.State == AlertState.Resolved ? ":white_check_mark:" : ":rotating_light:";
        var title = $"{icon} [{(n.Kind == NotificationKind.Change ? "CHANGE" : n.State.ToString().ToUpperInvariant())}] {n.Summary}";
        var fields = new JsonArray(
            Field("Service", n.Source),
            Field("Severity", n.Severity.ToString()),
            Field("Since", n.StartsAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var (name, value) in n.Labels) fields.Add(Field(name, value));
        var blocks = new JsonArray(
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*{Escape(title)}*" } },
            new JsonObject { ["type"] = "section", ["fields"] = fields });
        if (n.Description is not null)
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Escape(n.Description) } });
        return new JsonObject { ["text"] = title, ["blocks"] = blocks };
    }

    private static JsonObject Field(string name, string value) =>
        new() { ["type"] = "mrkdwn", ["text"] = $"*{Escape(name)}*\n{Escape(value)}" };

    // Slack's mrkdwn treats &, < and > as control characters.
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
