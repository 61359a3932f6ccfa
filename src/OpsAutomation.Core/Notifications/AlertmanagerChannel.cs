using OpsAutomation.Core.Http;
using System.Text.Json.Nodes;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// Alertmanager API v2: POST /api/v2/alerts with a list of alerts (labels, annotations,
/// startsAt, endsAt). A firing alert has no endsAt and is re-sent each evaluation, as
/// Prometheus does; a resolved one carries endsAt, which ends it at once.
/// </summary>
internal sealed class AlertmanagerChannel : INotificationChannel
{
    private readonly HttpClient _client;
    private readonly HttpLimits _limits;
    private readonly Uri _alerts;

    public AlertmanagerChannel(HttpClient client, Uri baseUri, HttpLimits? limits = null)
    {
        _limits = limits ?? HttpLimits.Api;
        _client = client;
        _alerts = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/api/v2/alerts");
        Name = $"Alertmanager ({baseUri.Authority})";
    }

    public string Name { get; }

    public bool AcceptsChanges => false;

    public bool RepeatWhileFiring => true;

    public Task SendAsync(Notification notification, CancellationToken cancellationToken) =>
        JsonPost.SendAsync(_client, _alerts, _limits, new JsonArray(ToAlert(notification)), Name, cancellationToken);

    internal static JsonObject ToAlert(Notification n)
    {
        var labels = new JsonObject
        {
            ["alertname"] = n.AlertName,
            ["service"] = n.Source,
            ["severity"] = n.Severity.ToString().ToLowerInvariant(),
            ["dedup_key"] = n.DedupKey,
        };
        if (n.Component is not null) labels["component"] = n.Component;
        foreach (var (name, value) in n.Labels) labels[SanitizeLabel(name)] = value;

        var annotations = new JsonObject { ["summary"] = n.Summary, ["description"] = n.Description ?? n.Summary };
        foreach (var (name, value) in n.Annotations)
        {
            if (name is not ("summary" or "description")) annotations[name] = value;
        }
        var alert = new JsonObject
        {
            ["labels"] = labels,
            ["annotations"] = annotations,
            ["startsAt"] = n.StartsAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (n.EndsAt is { } ends) alert["endsAt"] = ends.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return alert;
    }

    // Label names match [a-zA-Z_][a-zA-Z0-9_]*.
    private static string SanitizeLabel(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        return chars.Length == 0 || char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
    }
}
