using System.Text.Json;
using OpsAutomation.Core.Http;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health.Services;

/// <summary>GET /_cluster/health: green Healthy, yellow Degraded, red or timed out Unhealthy.</summary>
internal sealed class ElasticsearchProbe : SingleEndpointProbe
{
    public ElasticsearchProbe(HttpClientProvider clients, TimeProvider time) : base(clients, time)
    {
    }

    protected override string ApiPath => "_cluster/health";

    protected override ProbeOutcome Judge(HttpAnswer answer)
    {
        if (HttpVerdicts.Refused(answer) is { } refused) return refused;
        // 408 is how Elasticsearch answers a health request that timed out, with the usual body.
        if (!answer.IsSuccess && answer.StatusCode != 408) return HttpVerdicts.BadStatus(answer, "200");
        if (!HttpVerdicts.TryParseJson(answer, "the cluster health", out var root, out var invalid)) return invalid;
        if (ServiceApi.String(root, "status") is not { } status) return HttpVerdicts.UnexpectedShape(answer, "the cluster health", "'status'");

        var details = answer.BaseDetails();
        foreach (var field in (string[])["cluster_name", "status", "number_of_nodes", "number_of_data_nodes", "unassigned_shards", "active_shards_percent_as_number"])
        {
            if (root.TryGetProperty(field, out var value)) details[field] = ServiceApi.Scalar(value);
        }
        var timedOut = root.TryGetProperty("timed_out", out var t) && t.ValueKind == JsonValueKind.True;
        var cluster = ServiceApi.String(root, "cluster_name") ?? "the cluster";
        var unassigned = root.TryGetProperty("unassigned_shards", out var u) && u.TryGetInt32(out var n) ? n : 0;

        var (health, reason) = status switch
        {
            _ when timedOut => (HealthStatus.Unhealthy, $"cluster {cluster}: the health request timed out (status {status})"),
            "green" => (HealthStatus.Healthy, null),
            "yellow" => (HealthStatus.Degraded, $"cluster {cluster} is yellow: {unassigned} unassigned shards (replicas not allocated)"),
            "red" => (HealthStatus.Unhealthy, $"cluster {cluster} is red: {unassigned} unassigned shards, some primaries missing"),
            _ => (HealthStatus.Unhealthy, $"cluster {cluster} reports an unknown status '{status}'"),
        };
        return new ProbeOutcome(health, health == HealthStatus.Healthy ? HealthErrorKind.None : HealthErrorKind.ServiceState, reason)
        {
            StatusCode = answer.StatusCode,
            Details = details,
        };
    }
}
