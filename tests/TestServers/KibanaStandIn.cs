using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OpsAutomation.TestServers;

/// <summary>
/// Kibana: GET /api/status in the 8.x shape (status.overall.level, core, plugins) or the 7.x shape
/// (status.overall.state, statuses[]), chosen by <see cref="Legacy7xShape"/> or, as Kibana does, by
/// ?v7format=true / ?v8format=true. Like Kibana it answers 503 with the same body when the overall
/// level is unavailable or critical. <see cref="StandIn.ApiKey"/> travels as "ApiKey" or "Bearer".
/// </summary>
public sealed class KibanaStandIn : StandIn
{
    private static readonly string[] Levels = ["available", "degraded", "unavailable", "critical"];
    private readonly string _uuid = Guid.NewGuid().ToString();
    private readonly DateTimeOffset _since = DateTimeOffset.UtcNow;
    private volatile string _overallLevel = "available";
    private volatile bool _legacy7xShape;
    private volatile string _version = "8.15.0";

    private KibanaStandIn()
    {
    }

    /// <summary>available, degraded, unavailable or critical.</summary>
    public string OverallLevel
    {
        get => _overallLevel;
        set => _overallLevel = Levels.Contains(value) ? value : throw new ArgumentException($"'{value}' is not one of {string.Join(", ", Levels)}.", nameof(value));
    }

    /// <summary>Answer as Kibana 7.x does by default: state green/yellow/red and a statuses list.</summary>
    public bool Legacy7xShape
    {
        get => _legacy7xShape;
        set => _legacy7xShape = value;
    }

    public string Version
    {
        get => _version;
        set => _version = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Kibana takes API keys as ApiKey and Elasticsearch access tokens as Bearer.</summary>
    protected override IReadOnlyList<string> TokenSchemes { get; } = ["ApiKey", "Bearer"];

    public static async Task<KibanaStandIn> StartAsync(int port = 0)
    {
        var standIn = new KibanaStandIn();
        await standIn.ListenAsync(port).ConfigureAwait(false);
        return standIn;
    }

    protected override StandInResponse Answer(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Path != "/api/status")
        {
            return Boom(404, "Not Found", "Not Found");
        }
        var legacy = request.Query["v7format"] == "true" || (Legacy7xShape && request.Query["v8format"] != "true");
        var level = OverallLevel;
        var body = legacy ? Legacy7xStatus(level) : Status(level);
        return Kibana(new(level is "unavailable" or "critical" ? 503 : 200, JsonContent, body));
    }

    /// <summary>What every request gets while Kibana starts or cannot reach Elasticsearch.</summary>
    protected override StandInResponse ServerError(HttpRequest request) =>
        Boom(503, "Service Unavailable", "Kibana server is not ready yet").WithHeader("Retry-After", "30");

    protected override StandInResponse Unauthorized(HttpRequest request)
    {
        var user = BasicUserName(request);
        var message = user is null ? "Unauthorized"
            : $"[security_exception\n\tRoot causes:\n\t\tsecurity_exception: unable to authenticate user [{user}] for REST request [/_security/_authenticate]]: unable to authenticate user [{user}] for REST request [/_security/_authenticate]";
        return Boom(401, "Unauthorized", message);
    }

    protected override StandInResponse Forbidden(HttpRequest request) => Boom(403, "Forbidden", "Forbidden");

    private const string JsonContent = "application/json; charset=utf-8";

    private static StandInResponse Kibana(StandInResponse response) => response.WithHeader("kbn-name", "kibana-stand-in");

    /// <summary>Kibana's error body (the Hapi "Boom" shape).</summary>
    private static StandInResponse Boom(int status, string error, string message) =>
        Kibana(new(status, JsonContent, JsonSerializer.Serialize(new { statusCode = status, error, message }, StandInJson.Compact)));

    private string Status(string level)
    {
        var elasticsearch = level switch
        {
            "unavailable" => "Waiting for Elasticsearch",
            "critical" => "Unable to retrieve version information from Elasticsearch nodes.",
            _ => "Elasticsearch is available",
        };
        var taskManager = level == "degraded" ? "Task Manager is unhealthy" : "Task Manager is healthy";
        var overall = level switch
        {
            "available" => "All services and plugins are available",
            "degraded" => $"[taskManager]: {taskManager}",
            _ => $"[elasticsearch]: {elasticsearch}",
        };
        var coreLevel = level is "unavailable" or "critical" ? level : "available";
        return JsonSerializer.Serialize(new
        {
            name = "kibana-stand-in",
            uuid = _uuid,
            version = VersionInfo(),
            status = new
            {
                overall = new { level, summary = overall },
                core = new
                {
                    elasticsearch = new { level = coreLevel, summary = elasticsearch, meta = new { } },
                    savedObjects = new
                    {
                        level = coreLevel,
                        summary = coreLevel == "available" ? "SavedObjects service has completed migrations and is available" : "SavedObjects service is not available without a healthy Elasticearch connection",
                        meta = new { },
                    },
                },
                plugins = new
                {
                    alerting = new { level = "available", summary = "Alerting is (probably) ready", reported = true },
                    taskManager = new { level = level == "degraded" ? "degraded" : "available", summary = taskManager, reported = true },
                },
            },
            metrics = Metrics(),
        }, StandInJson.Compact);
    }

    private string Legacy7xStatus(string level)
    {
        var (state, title, nickname, icon, uiColor) = level switch
        {
            "available" => ("green", "Green", "Looking good", "success", "secondary"),
            "degraded" => ("yellow", "Yellow", "I'll be back", "warning", "warning"),
            _ => ("red", "Red", "Danger Will Robinson! Danger!", "danger", "danger"),
        };
        var since = _since.ToString("O");
        var esState = level is "unavailable" or "critical" ? state : "green";
        object Entry(string id, string entryState, string message) => new
        {
            id = $"{id}@{Version}",
            message,
            since,
            state = entryState,
            icon = entryState == "green" ? "success" : icon,
            uiColor = entryState == "green" ? "secondary" : uiColor,
        };
        return JsonSerializer.Serialize(new
        {
            name = "kibana-stand-in",
            uuid = _uuid,
            version = VersionInfo(),
            status = new
            {
                overall = new { since, state, title, nickname, icon, uiColor },
                statuses = new[]
                {
                    Entry("core:elasticsearch", esState, esState == "green" ? "Elasticsearch is available" : "Waiting for Elasticsearch"),
                    Entry("core:savedObjects", esState, esState == "green" ? "SavedObjects service has completed migrations and is available" : "SavedObjects service is not available without a healthy Elasticearch connection"),
                    Entry("plugin:taskManager", level == "degraded" ? "yellow" : "green", level == "degraded" ? "Task Manager is unhealthy" : "Task Manager is healthy"),
                },
            },
            metrics = Metrics(),
        }, StandInJson.Compact);
    }

    private object VersionInfo() => new
    {
        number = Version,
        build_hash = "7ec1a2b0bc8c3a3e3ef6f4c5f0c9a3b2d1e0f9a8",
        build_number = 76360,
        build_snapshot = false,
        build_flavor = "traditional",
        build_date = "2024-08-05T10:05:01.000Z",
    };

    private static object Metrics() => new
    {
        last_updated = DateTimeOffset.UtcNow.ToString("O"),
        collection_interval_in_millis = 5000,
        concurrent_connections = 1,
        requests = new { disconnects = 0, total = 1 },
        response_times = new { avg_in_millis = 3, max_in_millis = 12 },
        elasticsearch_client = new { totalActiveSockets = 0, totalIdleSockets = 1, totalQueuedRequests = 0 },
    };
}
