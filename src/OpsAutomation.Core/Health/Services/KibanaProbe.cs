using OpsAutomation.Core.Http;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health.Services;

/// <summary>
/// GET /api/status. 8.x reports status.overall.level (available, degraded, unavailable,
/// critical); 7.x reports status.overall.state (green, yellow, red). Kibana answers 503 with
/// the same body when it is unavailable, so the body is read whatever the status code.
/// </summary>
internal sealed class KibanaProbe : SingleEndpointProbe
{
    public KibanaProbe(HttpClientProvider clients, TimeProvider time) : base(clients, time)
    {
    }

    protected override string ApiPath => "api/status";

    protected override ProbeOutcome Judge(HttpAnswer answer)
    {
        if (HttpVerdicts.Refused(answer) is { } refused) return refused;
        if (answer.StatusCode is not (200 or 503)) return HttpVerdicts.BadStatus(answer, "200");
        if (!HttpVerdicts.TryParseJson(answer, "the status", out var root, out var invalid)) return invalid;
        if (ServiceApi.Path(root, "status", "overall") is not { } overall)
            return HttpVerdicts.UnexpectedShape(answer, "the status", "'status.overall'");

        var details = answer.BaseDetails();
        if (ServiceApi.Path(root, "version", "number") is { } version) details["version"] = ServiceApi.Scalar(version);

        HealthStatus health;
        string? summary;
        if (ServiceApi.String(overall, "level") is { } level)
        {
            details["overall_level"] = level;
            summary = ServiceApi.String(overall, "summary");
            health = level switch
            {
                "available" => HealthStatus.Healthy,
                "degraded" => HealthStatus.Degraded,
                "unavailable" or "critical" => HealthStatus.Unhealthy,
                _ => HealthStatus.Unhealthy,
            };
            summary = $"overall level {level}{(summary is null ? "" : ": " + summary)}";
        }
        else if (ServiceApi.String(overall, "state") is { } state)
        {
            details["overall_state"] = state;
            var title = ServiceApi.String(overall, "title") ?? ServiceApi.String(overall, "nickname");
            health = state switch
            {
                "green" => HealthStatus.Healthy,
                "yellow" => HealthStatus.Degraded,
                _ => HealthStatus.Unhealthy,
            };
            summary = $"overall state {state}{(title is null ? "" : ": " + title)}";
        }
        else
        {
            return HttpVerdicts.UnexpectedShape(answer, "the status", "'status.overall.level' (8.x) or 'status.overall.state' (7.x)");
        }

        return new ProbeOutcome(health, health == HealthStatus.Healthy ? HealthErrorKind.None : HealthErrorKind.ServiceState,
            health == HealthStatus.Healthy ? null : summary)
        {
            StatusCode = answer.StatusCode,
            Details = details,
        };
    }
}
