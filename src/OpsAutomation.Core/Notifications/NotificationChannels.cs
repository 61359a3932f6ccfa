using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// Builds channels from configuration: a list of maps with Type (Alertmanager, PagerDuty,
/// Slack, Teams, Webhook) and its keys. Webhook URLs of Slack and Teams carry their token, and
/// a PagerDuty routing key is a secret: those must be references (env:NAME, file:PATH).
/// TimeoutSec (default 10) bounds each POST, answer included.
/// </summary>
public static class NotificationChannels
{
    public static readonly IReadOnlyList<string> Types = ["Alertmanager", "PagerDuty", "Slack", "Teams", "Webhook"];

    private static readonly string[] Keys = ["Type", "Uri", "RoutingKey", "Headers", "TimeoutSec"];

    /// <param name="redactor">Learns every resolved secret, so none reaches a log or an error.</param>
    public static INotificationChannel Create(ConfigurationMap map, HttpClientProvider http, SecretResolver secrets, string? baseDirectory, SecretRedactor redactor)
    {
        map.RejectUnknownKeys(Keys);
        var type = map.GetRequiredString("Type");
        string Secret(string key)
        {
            var reference = map.GetRequiredString(key);
            if (!SecretResolver.IsReference(reference))
                throw map.Error($"a {type} {key} is a secret: give it as a reference, {SecretResolver.ReferenceForms}, never clear text", key);
            var value = secrets.Resolve(reference, $"{map.Origin}, key '{map.KeyPath(key)}'", baseDirectory);
            redactor.AddSecret(value);
            return value;
        }
        // Plain URLs take ${VAR:-default} placeholders, as service targets do.
        string Expand(string key) => VariableExpander.Expand(map.GetRequiredString(key), $"{map.Origin}, key '{map.KeyPath(key)}'");
        // A URL that may carry credentials (user:password@, a token) can be a reference instead.
        string PlainOrSecret(string key) => SecretResolver.IsReference(map.GetRequiredString(key)) ? Secret(key) : Expand(key);
        Uri Url(string text, string key) =>
            Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                // The value may be a resolved secret: never echo it.
                : throw map.Error($"is not an absolute http(s) URL{(SecretResolver.IsReference(map.GetString(key) ?? "") ? " (after resolving the reference)" : $": '{text}'")}", key);

        var client = http.Get();
        // Each POST, answer included, within TimeoutSec (default 10 s); retries come on top.
        var limits = HttpLimits.Api with { Timeout = TimeSpan.FromSeconds(map.GetDouble("TimeoutSec", 0.001, 3600) ?? HttpLimits.DefaultTimeout.TotalSeconds) };
        switch (type.ToUpperInvariant())
        {
            case "ALERTMANAGER":
                return new AlertmanagerChannel(client, Url(PlainOrSecret("Uri"), "Uri"), limits);
            case "PAGERDUTY":
                var endpoint = map.GetString("Uri") is not null ? Url(Expand("Uri"), "Uri") : null;
                return new PagerDutyChannel(client, Secret("RoutingKey"), endpoint, limits);
            case "SLACK":
                return new SlackChannel(client, Url(Secret("Uri"), "Uri"), limits);
            case "TEAMS":
                return new TeamsChannel(client, Url(Secret("Uri"), "Uri"), limits);
            case "WEBHOOK":
                var url = Url(PlainOrSecret("Uri"), "Uri");
                var headers = new List<KeyValuePair<string, string>>();
                foreach (var (name, value) in map.GetStringMap("Headers"))
                {
                    if (SecretRedactor.IsSensitiveName(name) && !SecretResolver.IsReference(value))
                        throw map.Error($"header '{name}' carries a secret: give it as a reference, {SecretResolver.ReferenceForms}", $"Headers.{name}");
                    var resolved = SecretResolver.IsReference(value) ? secrets.Resolve(value, $"{map.Origin}, key '{map.KeyPath("Headers")}.{name}'", baseDirectory) : value;
                    if (SecretResolver.IsReference(value)) redactor.AddSecret(resolved);
                    headers.Add(new(name, resolved));
                }
                return new WebhookChannel(client, url, headers, limits);
            default:
                throw map.Error($"unknown channel type '{type}'; use one of {string.Join(", ", Types)}", "Type");
        }
    }
}
