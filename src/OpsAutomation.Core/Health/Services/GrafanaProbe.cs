using OpsAutomation.Core.Http;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health.Services;

/// <summary>GET /api/health: database "ok" is Healthy; anything else (Grafana then answers 503) is Unhealthy.</summary>
internal sealed class GrafanaProbe : SingleEndpointProbe
{
    public GrafanaProbe(HttpClientProvider clients, TimeProvider time) : base(clients, time)
    {
    }

    protected override string ApiPath => "api/health";

    protected override ProbeOutcome Judge(HttpAnswer answer)
    {
        if (HttpVerdicts.Refused(answer) is { } refused) return refused;
        if (answer.StatusCode is not (200 or 503)) return HttpVerdicts.BadStatus(answer, "200");
        if (!HttpVerdicts.TryParseJson(answer, "the health answer", out var root, out var invalid)) return invalid;
        if (ServiceApi.String(root, "database") is not { } database) return HttpVerdicts.UnexpectedShape(answer, "the health answer", "'database'");

        var details = answer.BaseDetails();
        details["database"] = database;
        if (ServiceApi.String(root, "version") is { } version) details["version"] = version;
        if (ServiceApi.String(root, "commit") is { } commit) details["commit"] = commit;
        return database == "ok" && answer.IsSuccess
            ? ProbeOutcome.Healthy() with { StatusCode = answer.StatusCode, Details = details }
            : new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.ServiceState, $"the database is {database}") { StatusCode = answer.StatusCode, Details = details };
    }
}
