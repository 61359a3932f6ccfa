using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OpsAutomation.TestServers;

/// <summary>
/// Elasticsearch 8: GET / (node info) and GET /_cluster/health[/&lt;target&gt;] with the real fields,
/// the real 408 when the cluster has not reached ?wait_for_status (answered at once instead of after
/// ?timeout), and Elasticsearch's own error bodies. <see cref="StandIn.ApiKey"/> travels as
/// "Authorization: ApiKey &lt;value&gt;".
/// </summary>
public sealed class ElasticsearchStandIn : StandIn
{
    private static readonly string[] StatusOrder = ["red", "yellow", "green"];
    private readonly string _clusterUuid = Guid.NewGuid().ToString("N")[..22];
    private volatile string _clusterStatus = "green";
    private volatile string _clusterName = "ops-test";
    private volatile bool _timedOut;
    private volatile int _numberOfNodes = 3;
    private volatile int _unassignedShards;
    private double _activeShardsPercent = 100;

    private ElasticsearchStandIn()
    {
    }

    /// <summary>green, yellow or red.</summary>
    public string ClusterStatus
    {
        get => _clusterStatus;
        set => _clusterStatus = StatusOrder.Contains(value) ? value : throw new ArgumentException($"'{value}' is not green, yellow or red.", nameof(value));
    }

    /// <summary>When true, health answers 408 with timed_out true, as when ?timeout passed before ?wait_for_status was met.</summary>
    public bool TimedOut
    {
        get => _timedOut;
        set => _timedOut = value;
    }

    public int NumberOfNodes
    {
        get => _numberOfNodes;
        set => _numberOfNodes = value;
    }

    public int UnassignedShards
    {
        get => _unassignedShards;
        set => _unassignedShards = value;
    }

    public double ActiveShardsPercent
    {
        get => Volatile.Read(ref _activeShardsPercent);
        set => Volatile.Write(ref _activeShardsPercent, value);
    }

    public string ClusterName
    {
        get => _clusterName;
        set => _clusterName = value ?? throw new ArgumentNullException(nameof(value));
    }

    public string Version { get; init; } = "8.15.0";

    protected override IReadOnlyList<string> TokenSchemes { get; } = ["ApiKey"];

    public static async Task<ElasticsearchStandIn> StartAsync(int port = 0)
    {
        var standIn = new ElasticsearchStandIn();
        await standIn.ListenAsync(port).ConfigureAwait(false);
        return standIn;
    }

    protected override StandInResponse Answer(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value ?? "/";
        if (path == "/")
        {
            return Product(new(200, StandInResponse.Json, NodeInfo()));
        }
        if (path == "/_cluster/health" || path.StartsWith("/_cluster/health/", StringComparison.Ordinal))
        {
            return ClusterHealth(request);
        }
        // What Elasticsearch 8 answers for a path no handler takes.
        var missing = JsonSerializer.Serialize(new { error = $"no handler found for uri [{path}{request.QueryString}] and method [{request.Method}]" }, StandInJson.Compact);
        return Product(new(400, StandInResponse.Json, missing));
    }

    protected override StandInResponse ServerError(HttpRequest request) =>
        Product(Error(503, "master_not_discovered_exception", reason: null));

    protected override StandInResponse Unauthorized(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = $"{request.Path}{request.QueryString}";
        var user = BasicUserName(request);
        var reason = HasCredentials(request)
            ? user is null ? "unable to authenticate with provided credentials and anonymous access is not allowed for this request" : $"unable to authenticate user [{user}] for REST request [{target}]"
            : $"missing authentication credentials for REST request [{target}]";
        string[] challenges = ["Basic realm=\"security\" charset=\"UTF-8\"", "ApiKey"];
        return Error(401, "security_exception", reason, challenges)
            .WithHeader("WWW-Authenticate", challenges[0])
            .WithHeader("WWW-Authenticate", challenges[1]);
    }

    protected override StandInResponse Forbidden(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = BasicUserName(request) ?? "ops-probe";
        var action = request.Path.StartsWithSegments("/_cluster/health") ? "cluster:monitor/health" : "cluster:monitor/main";
        return Product(Error(403, "security_exception",
            $"action [{action}] is unauthorized for user [{user}] with effective roles [viewer], this action is granted by the cluster privileges [monitor,manage,all]"));
    }

    /// <summary>Clients check this header on every successful answer (Elasticsearch 7.14 and later).</summary>
    private static StandInResponse Product(StandInResponse response) => response.WithHeader("X-elastic-product", "Elasticsearch");

    private StandInResponse ClusterHealth(HttpRequest request)
    {
        var status = ClusterStatus;
        var waitFor = request.Query["wait_for_status"].ToString();
        var timedOut = TimedOut || (StatusOrder.Contains(waitFor) && Array.IndexOf(StatusOrder, status) < Array.IndexOf(StatusOrder, waitFor));
        var nodes = NumberOfNodes;
        const int primaries = 10;
        var active = Math.Max(0, 2 * primaries - UnassignedShards);

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = StandInJson.Compact.Encoder }))
        {
            json.WriteStartObject();
            json.WriteString("cluster_name", ClusterName);
            json.WriteString("status", status);
            json.WriteBoolean("timed_out", timedOut);
            json.WriteNumber("number_of_nodes", nodes);
            json.WriteNumber("number_of_data_nodes", nodes);
            json.WriteNumber("active_primary_shards", status == "red" ? primaries - 1 : primaries);
            json.WriteNumber("active_shards", active);
            json.WriteNumber("relocating_shards", 0);
            json.WriteNumber("initializing_shards", 0);
            json.WriteNumber("unassigned_shards", UnassignedShards);
            json.WriteNumber("unassigned_primary_shards", status == "red" ? 1 : 0);
            json.WriteNumber("delayed_unassigned_shards", 0);
            json.WriteNumber("number_of_pending_tasks", 0);
            json.WriteNumber("number_of_in_flight_fetch", 0);
            json.WriteNumber("task_max_waiting_in_queue_millis", 0);
            // Elasticsearch writes this double with a fraction even when whole (100.0).
            json.WritePropertyName("active_shards_percent_as_number");
            json.WriteRawValue(FormatDouble(ActiveShardsPercent));
            json.WriteEndObject();
        }
        var body = Encoding.UTF8.GetString(buffer.ToArray());
        return Product(new(timedOut ? 408 : 200, StandInResponse.Json, body));
    }

    private string NodeInfo() => JsonSerializer.Serialize(new
    {
        name = "es-stand-in-0",
        cluster_name = ClusterName,
        cluster_uuid = _clusterUuid,
        version = new
        {
            number = Version,
            build_flavor = "default",
            build_type = "docker",
            build_hash = "1a77947f34deddb41af25e6f0ddb8e830159c179",
            build_date = "2024-08-05T10:05:34.233336849Z",
            build_snapshot = false,
            lucene_version = "9.11.1",
            minimum_wire_compatibility_version = "7.17.0",
            minimum_index_compatibility_version = "7.0.0",
        },
        tagline = "You Know, for Search",
    }, StandInJson.Compact);

    private static StandInResponse Error(int status, string type, string? reason, string[]? challenges = null)
    {
        var cause = new Dictionary<string, object?> { ["type"] = type, ["reason"] = reason };
        if (challenges is not null)
        {
            cause["header"] = new Dictionary<string, object> { ["WWW-Authenticate"] = challenges };
        }
        var error = new Dictionary<string, object?> { ["root_cause"] = new[] { cause } };
        foreach (var (name, value) in cause)
        {
            error[name] = value;
        }
        var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = error, ["status"] = status }, StandInJson.Compact);
        return new(status, StandInResponse.Json, body);
    }

    private static string FormatDouble(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }
}
