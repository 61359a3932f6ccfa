using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace OpsAutomation.TestServers;

/// <summary>What PagerDuty made of one dedup key on one service (routing key): the alert's state and how it got there.</summary>
public sealed record PagerDutyAlert(string DedupKey, string Status, int Triggers, int Acknowledges, int Resolves, string? Summary, string? Severity);

/// <summary>An event the stand-in accepted (202), as it arrived.</summary>
/// <param name="RoutingKeySuffix">The routing key's last four characters: enough to tell services apart, not the key.</param>
public sealed record PagerDutyEvent(string EventAction, string DedupKey, string RoutingKeySuffix, JsonObject Body, DateTimeOffset ReceivedAt);

/// <summary>
/// PagerDuty's Events API v2 (POST /v2/enqueue, and /v2/change/enqueue for change events). Every
/// request is checked against the API's rules, as the real service checks them: a JSON body (Content-Type
/// application/json, at most 512 KB), a 32-character routing_key, event_action trigger, acknowledge or
/// resolve, a dedup_key of at most 255 characters (required to acknowledge or resolve), and for a
/// trigger a payload with summary (at most 1024 characters), source and severity (critical, error,
/// warning, info), an ISO 8601 timestamp when given, string component/group/class, and links and
/// images of the documented shapes. A valid event is answered 202
/// <c>{"status":"success","message":"Event processed","dedup_key":...}</c>, an invalid one 400
/// <c>{"status":"invalid event","message":"Event object is invalid","errors":[...]}</c>; the next
/// <see cref="RateLimitNext"/> events are answered 429, as PagerDuty throttles.
/// It keeps every accepted event and each alert's state (triggered, acknowledged, resolved) per
/// service and dedup key, readable in-process (<see cref="Alerts"/>) or, for Pester, at the
/// stand-in's own GET /test/alerts, /test/events and /test/rejections (not part of PagerDuty's API).
/// </summary>
public sealed class PagerDutyStandIn : StandIn
{
    /// <summary>The largest event PagerDuty takes.</summary>
    public const int MaxBodyBytes = 512 * 1024;

    private static readonly string[] Actions = ["trigger", "acknowledge", "resolve"];
    private static readonly string[] Severities = ["critical", "error", "warning", "info"];

    private readonly object _gate = new();
    private readonly List<PagerDutyEvent> _events = [];
    private readonly List<string> _rejections = [];
    private readonly Dictionary<(string RoutingKey, string DedupKey), PagerDutyAlert> _alerts = [];
    private int _rateLimitNext;

    private PagerDutyStandIn()
    {
    }

    /// <summary>How many of the next events are answered 429 (then it answers normally again).</summary>
    public int RateLimitNext
    {
        get { lock (_gate) return _rateLimitNext; }
        set { lock (_gate) _rateLimitNext = value; }
    }

    /// <summary>Every event accepted, in order.</summary>
    public IReadOnlyList<PagerDutyEvent> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    /// <summary>Every 400 answered, as its errors joined; a module that follows the rules never causes one.</summary>
    public IReadOnlyList<string> Rejections
    {
        get { lock (_gate) return [.. _rejections]; }
    }

    /// <summary>Each alert's state by dedup key, across services.</summary>
    public IReadOnlyList<PagerDutyAlert> Alerts
    {
        get { lock (_gate) return [.. _alerts.Values]; }
    }

    /// <summary>The alert of <paramref name="dedupKey"/> (on any service); null when none was triggered.</summary>
    public PagerDutyAlert? Alert(string dedupKey)
    {
        lock (_gate) return _alerts.Values.LastOrDefault(a => a.DedupKey == dedupKey);
    }

    public static async Task<PagerDutyStandIn> StartAsync(int port = 0)
    {
        var standIn = new PagerDutyStandIn();
        await standIn.ListenAsync(port).ConfigureAwait(false);
        return standIn;
    }

    /// <summary>The events endpoint, as a channel's Uri.</summary>
    public Uri EventsUri => new(BaseUri, "v2/enqueue");

    protected override StandInResponse Answer(HttpRequest request) => NotFound();

    protected override async Task<StandInResponse> AnswerAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value ?? "";
        if (HttpMethods.IsGet(request.Method) && path.StartsWith("/test/", StringComparison.Ordinal)) return TestView(path);
        var change = path == "/v2/change/enqueue";
        if (path != "/v2/enqueue" && !change) return NotFound();
        if (!HttpMethods.IsPost(request.Method)) return new StandInResponse(405, StandInResponse.Json, """{"status":"error","message":"Method not allowed"}""");

        lock (_gate)
        {
            if (_rateLimitNext > 0)
            {
                _rateLimitNext--;
                return new StandInResponse(429, StandInResponse.Json,
                    """{"status":"throttle event","message":"Requests for this service are arriving too quickly.  Please retry later."}""");
            }
        }

        var contentType = request.ContentType ?? "";
        if (!contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return Invalid([$"Content-Type must be application/json, not '{contentType}'"]);
        var (body, tooLarge) = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (tooLarge) return Invalid([$"Event exceeds the maximum size of {MaxBodyBytes / 1024} KB"]);
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            json = null;
        }
        if (json is null) return Invalid(["Event is not a JSON object"]);
        return change ? AcceptChange(json) : AcceptEvent(json);
    }

    protected override StandInResponse ServerError(HttpRequest request) =>
        new(500, StandInResponse.Json, """{"status":"error","message":"Internal server error"}""");

    protected override StandInResponse Unauthorized(HttpRequest request) =>
        new(401, StandInResponse.Json, """{"status":"unauthorized","message":"Unauthorized"}""");

    protected override StandInResponse Forbidden(HttpRequest request) =>
        new(403, StandInResponse.Json, """{"status":"forbidden","message":"Forbidden"}""");

    private StandInResponse AcceptEvent(JsonObject json)
    {
        var errors = new List<string>();
        var routingKey = RoutingKey(json, errors);
        var action = String(json, "event_action", errors);
        if (action is null) errors.Add("'event_action' is missing or blank");
        else if (!Actions.Contains(action)) errors.Add($"'event_action' is invalid (must be one of: {string.Join(", ", Actions)})");
        var dedupKey = String(json, "dedup_key", errors);
        if (dedupKey is { Length: > 255 }) errors.Add("'dedup_key' is too long (maximum 255 characters)");
        if (action is "acknowledge" or "resolve" && string.IsNullOrWhiteSpace(dedupKey)) errors.Add("'dedup_key' is missing or blank");
        if (action == "trigger") CheckPayload(json["payload"], errors);
        String(json, "client", errors);
        String(json, "client_url", errors);
        CheckLinks(json["links"], errors);
        CheckImages(json["images"], errors);
        if (errors.Count > 0) return Invalid(errors);

        dedupKey = string.IsNullOrWhiteSpace(dedupKey) ? Guid.NewGuid().ToString("N") : dedupKey;
        lock (_gate)
        {
            _events.Add(new PagerDutyEvent(action!, dedupKey, routingKey![^4..], json, DateTimeOffset.UtcNow));
            var key = (routingKey, dedupKey);
            var alert = _alerts.GetValueOrDefault(key);
            var payload = json["payload"] as JsonObject;
            _alerts[key] = (action, alert) switch
            {
                // A trigger opens an alert, or joins the open one with its key (deduplicated: its state stays).
                ("trigger", null or { Status: "resolved" }) => new PagerDutyAlert(dedupKey, "triggered", (alert?.Triggers ?? 0) + 1, alert?.Acknowledges ?? 0,
                    alert?.Resolves ?? 0, (string?)payload?["summary"], (string?)payload?["severity"]),
                ("trigger", _) => alert with { Triggers = alert.Triggers + 1 },
                // Acknowledging or resolving an alert that is not open does nothing (PagerDuty still answers 202).
                ("acknowledge", { Status: "triggered" or "acknowledged" }) => alert with { Status = "acknowledged", Acknowledges = alert.Acknowledges + 1 },
                ("resolve", { Status: "triggered" or "acknowledged" }) => alert with { Status = "resolved", Resolves = alert.Resolves + 1 },
                (_, null) => new PagerDutyAlert(dedupKey, "none", 0, action == "acknowledge" ? 1 : 0, action == "resolve" ? 1 : 0, null, null),
                (_, _) => alert,
            };
        }
        return new StandInResponse(202, StandInResponse.Json, new JsonObject
        {
            ["status"] = "success", ["message"] = "Event processed", ["dedup_key"] = dedupKey,
        }.ToJsonString());
    }

    private StandInResponse AcceptChange(JsonObject json)
    {
        var errors = new List<string>();
        var routingKey = RoutingKey(json, errors);
        if (json["payload"] is not JsonObject payload) errors.Add("'payload' is missing or blank");
        else
        {
            CheckSummary(payload, errors);
            String(payload, "source", errors, "payload.");
            CheckTimestamp(payload, errors);
        }
        CheckLinks(json["links"], errors);
        if (errors.Count > 0) return Invalid(errors);
        lock (_gate) _events.Add(new PagerDutyEvent("change", "", routingKey![^4..], json, DateTimeOffset.UtcNow));
        return new StandInResponse(202, StandInResponse.Json, """{"status":"success","message":"Change event processed"}""");
    }

    private static string? RoutingKey(JsonObject json, List<string> errors)
    {
        var key = String(json, "routing_key", errors);
        if (string.IsNullOrWhiteSpace(key)) errors.Add("'routing_key' is missing or blank");
        else if (key.Length != 32) errors.Add("Length of 'routing_key' is incorrect (should be 32 characters)");
        return key;
    }

    private static void CheckPayload(JsonNode? node, List<string> errors)
    {
        if (node is not JsonObject payload)
        {
            errors.Add("'payload' is missing or blank");
            return;
        }
        CheckSummary(payload, errors);
        if (string.IsNullOrWhiteSpace(String(payload, "source", errors, "payload."))) errors.Add("'payload.source' is missing or blank");
        var severity = String(payload, "severity", errors, "payload.");
        if (string.IsNullOrWhiteSpace(severity)) errors.Add("'payload.severity' is missing or blank");
        else if (!Severities.Contains(severity)) errors.Add($"'payload.severity' is invalid (must be one of: {string.Join(", ", Severities)})");
        CheckTimestamp(payload, errors);
        foreach (var field in (string[])["component", "group", "class"]) String(payload, field, errors, "payload.");
    }

    private static void CheckSummary(JsonObject payload, List<string> errors)
    {
        var summary = String(payload, "summary", errors, "payload.");
        if (string.IsNullOrWhiteSpace(summary)) errors.Add("'payload.summary' is missing or blank");
        else if (summary.Length > 1024) errors.Add("'payload.summary' is too long (maximum 1024 characters)");
    }

    private static void CheckTimestamp(JsonObject payload, List<string> errors)
    {
        var timestamp = String(payload, "timestamp", errors, "payload.");
        if (timestamp is not null && !DateTimeOffset.TryParseExact(timestamp,
                ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            errors.Add("'payload.timestamp' is not a valid ISO 8601 date-time");
    }

    private static void CheckLinks(JsonNode? node, List<string> errors)
    {
        if (node is null) return;
        if (node is not JsonArray links)
        {
            errors.Add("'links' must be an array");
            return;
        }
        foreach (var link in links)
        {
            if (link is not JsonObject item || !IsUrl((string?)(item["href"] as JsonValue)?.ToString()))
                errors.Add("Each of 'links' must be an object with an 'href' URL");
            else String(item, "text", errors, "links[].");
        }
    }

    private static void CheckImages(JsonNode? node, List<string> errors)
    {
        if (node is null) return;
        if (node is not JsonArray images)
        {
            errors.Add("'images' must be an array");
            return;
        }
        foreach (var image in images)
        {
            if (image is not JsonObject item || !IsUrl((string?)(item["src"] as JsonValue)?.ToString()))
                errors.Add("Each of 'images' must be an object with a 'src' URL");
            else if (item["href"] is { } href && !IsUrl((href as JsonValue)?.ToString())) errors.Add("'images[].href' must be a URL");
        }
    }

    private static bool IsUrl(string? text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>A string field; another JSON type is an error, absence or null is null.</summary>
    private static string? String(JsonObject json, string name, List<string> errors, string prefix = "")
    {
        var node = json[name];
        if (node is null) return null;
        if (node is JsonValue value && value.TryGetValue<string>(out var text)) return text;
        errors.Add($"'{prefix}{name}' must be a string");
        return null;
    }

    private static async Task<(string Body, bool TooLarge)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) return ("", true);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) return ("", true);
        }
        return (Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), false);
    }

    private StandInResponse Invalid(IReadOnlyList<string> errors)
    {
        lock (_gate) _rejections.Add(string.Join("; ", errors));
        return new StandInResponse(400, StandInResponse.Json, new JsonObject
        {
            ["status"] = "invalid event",
            ["message"] = "Event object is invalid",
            ["errors"] = new JsonArray([.. errors.Select(e => (JsonNode)JsonValue.Create(e))]),
        }.ToJsonString());
    }

    private StandInResponse TestView(string path)
    {
        object? view = path switch
        {
            "/test/alerts" => Alerts,
            "/test/events" => Events.Select(e => new
            {
                event_action = e.EventAction, dedup_key = e.DedupKey, routing_key_suffix = e.RoutingKeySuffix, body = WithoutRoutingKey(e.Body), received_at = e.ReceivedAt,
            }),
            "/test/rejections" => Rejections,
            _ => null,
        };
        return view is null ? NotFound() : new StandInResponse(200, StandInResponse.Json, JsonSerializer.Serialize(view, StandInJson.Compact));
    }

    /// <summary>The event as it came, its routing key (a secret of the service) cut to its last four characters.</summary>
    private static JsonObject WithoutRoutingKey(JsonObject body)
    {
        var copy = (JsonObject)body.DeepClone();
        if (copy["routing_key"] is JsonValue key && key.TryGetValue<string>(out var text)) copy["routing_key"] = "..." + text[^Math.Min(4, text.Length)..];
        return copy;
    }

    private static StandInResponse NotFound() => new(404, StandInResponse.Json, """{"status":"error","message":"Not found"}""");
}
