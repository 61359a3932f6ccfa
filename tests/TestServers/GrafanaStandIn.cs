using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OpsAutomation.TestServers;

/// <summary>
/// Grafana: GET /api/health, pretty-printed as Grafana writes it; 503 with "database":"failing"
/// when its database check fails. (Real Grafana serves /api/health without authentication; the
/// stand-in enforces <see cref="StandIn.BasicAuth"/>/<see cref="StandIn.ApiKey"/> when set, as an
/// authenticating proxy in front of it would, and answers with Grafana's own 401 body.)
/// </summary>
public sealed class GrafanaStandIn : StandIn
{
    private volatile bool _databaseOk = true;
    private volatile string _version = "10.4.2";

    private GrafanaStandIn()
    {
    }

    public bool DatabaseOk
    {
        get => _databaseOk;
        set => _databaseOk = value;
    }

    public string Version
    {
        get => _version;
        set => _version = value ?? throw new ArgumentNullException(nameof(value));
    }

    public static async Task<GrafanaStandIn> StartAsync(int port = 0)
    {
        var standIn = new GrafanaStandIn();
        await standIn.ListenAsync(port).ConfigureAwait(false);
        return standIn;
    }

    protected override StandInResponse Answer(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Path != "/api/health")
        {
            return Grafana(404, new { message = "Not found" });
        }
        return Health(DatabaseOk);
    }

    /// <summary>The only 5xx Grafana's health endpoint gives: its database check failed.</summary>
    protected override StandInResponse ServerError(HttpRequest request) => Health(databaseOk: false);

    protected override StandInResponse Unauthorized(HttpRequest request) =>
        Grafana(401, new { extra = (object?)null, message = "Unauthorized", messageId = "auth.unauthorized", statusCode = 401, traceID = "" });

    protected override StandInResponse Forbidden(HttpRequest request) =>
        Grafana(403, new { accessErrorId = "ACE0947587429", message = "You'll need additional permissions to perform this action. Permissions needed: server.stats:read", title = "Access denied" });

    private StandInResponse Health(bool databaseOk) =>
        Grafana(databaseOk ? 200 : 503, new { commit = "701c851be7a930e04fbc6ebb1cd4254da80edd4c", database = databaseOk ? "ok" : "failing", version = Version });

    private static StandInResponse Grafana(int status, object body) =>
        new StandInResponse(status, "application/json; charset=UTF-8", JsonSerializer.Serialize(body, StandInJson.Indented))
            .WithHeader("Cache-Control", "no-store")
            .WithHeader("X-Content-Type-Options", "nosniff")
            .WithHeader("X-Frame-Options", "deny")
            .WithHeader("X-Xss-Protection", "1; mode=block");
}
