using System.Text.Json.Nodes;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;

namespace OpsAutomation.Core.Incidents.Runbooks.Actions;

/// <summary>
/// Webhook: POSTs the incident as JSON to a URL (a StackStorm or Rundeck trigger, an internal
/// automation endpoint). A non-2xx answer fails the step. Arguments: Uri (required, http or https),
/// Headers (a map; a header whose name says it is a secret, such as Authorization, must be a
/// reference: env:NAME, file:PATH or secret:NAME), TimeoutSec (default 10), MaxResponseBytes
/// (default 65536), Body (a map sent beside the incident, placeholders expanded).
/// </summary>
public sealed class WebhookAction : IRunbookAction
{
    public string Name => "Webhook";

    public IReadOnlyList<string> Keys { get; } = ["Uri", "Headers", "TimeoutSec", "MaxResponseBytes", "Body"];

    public RunbookRateLimit DefaultRateLimit { get; } = new(10, TimeSpan.FromHours(1));

    public RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding)
    {
        var text = binding.RequiredString(arguments, "Uri");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw arguments.Error($"'{HttpExchange.DisplayTarget(Uri.TryCreate(text, UriKind.Absolute, out var shown) ? shown : null)}' is not an absolute http(s) URL", "Uri");
        var headers = new List<(string Name, string Value, bool Reference)>();
        if (arguments.GetMap("Headers") is { } map)
        {
            foreach (var name in map.Keys)
            {
                var value = map.GetString(name) ?? "";
                var reference = SecretResolver.IsReference(value);
                if (!reference && SecretRedactor.IsSensitiveName(name))
                    throw map.Error($"a secret header must be a reference, {SecretResolver.ReferenceForms}, never in clear text", name);
                headers.Add((name, reference ? value : binding.Text(map, name) ?? "", reference));
            }
        }
        var body = new JsonObject();
        if (arguments.GetMap("Body") is { } extra)
        {
            foreach (var key in extra.Keys) body[key] = binding.Text(extra, key);
        }
        var limits = new HttpLimits
        {
            Timeout = TimeSpan.FromSeconds(arguments.GetDouble("TimeoutSec", 0.1, 600) ?? 10),
            MaxResponseBytes = arguments.GetLong("MaxResponseBytes", 1, HttpLimits.MiB * 64) ?? 64 * 1024,
        };
        return new Plan(uri, headers, body, limits, binding.BaseDirectory);
    }

    private sealed class Plan(Uri uri, IReadOnlyList<(string Name, string Value, bool Reference)> headers, JsonObject body, HttpLimits limits, string baseDirectory)
        : RunbookActionPlan
    {
        public override string Target => $"webhook {HttpExchange.DisplayTarget(uri)}";

        public override string Description => "POST the incident as JSON";

        public override bool HighImpact => false;

        public override async Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken)
        {
            var resolved = new List<KeyValuePair<string, string>>();
            foreach (var (name, value, reference) in headers)
            {
                var actual = reference ? context.Secrets.Resolve(value, $"runbook {context.Runbook}, step {context.Step}, header {name}", baseDirectory) : value;
                if (reference) context.Redactor.AddSecret(actual);
                resolved.Add(new(name, actual));
            }
            var incident = context.Incident;
            var payload = new JsonObject
            {
                ["runbook"] = context.Runbook,
                ["step"] = context.Step,
                ["runId"] = context.RunId,
                ["incident"] = new JsonObject
                {
                    ["id"] = incident.Id, ["title"] = incident.Title, ["service"] = incident.Service, ["severity"] = incident.Severity.ToString(),
                    ["state"] = incident.State.ToString(), ["fingerprint"] = incident.Fingerprint, ["openedAt"] = incident.OpenedAt.ToString("O"),
                },
            };
            foreach (var (key, value) in body) payload[key] = value?.DeepClone();
            try
            {
                await JsonPost.SendAsync(context.Http, uri, limits, payload, Target, cancellationToken, resolved).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException)
            {
                throw new RunbookActionException(context.Redactor.Redact(ex.Message), ex);
            }
            return $"posted to {HttpExchange.DisplayTarget(uri)}";
        }
    }
}
