using System.Net;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health.Kubernetes;

/// <summary>
/// The API server's /livez and /readyz (with ?verbose, so a failure names the failing checks),
/// sent through KubernetesClient's own HTTP pipeline and credentials.
/// </summary>
internal sealed class KubernetesApiProbe : IHealthProbe
{
    private readonly KubernetesClients _clients;

    public KubernetesApiProbe(KubernetesClients clients) => _clients = clients;

    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        if (KubernetesOutcomes.TryGetClient(_clients, check.Definition, out var client) is { } unusable) return unusable;
        var kubernetes = (k8s.Kubernetes)client!;
        var details = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["Server"] = kubernetes.BaseUri.AbsoluteUri };
        var limits = new HttpLimits { Timeout = check.Definition.Timeout, MaxResponseBytes = check.Definition.MaxResponseBytes };
        foreach (var endpoint in (string[])["livez", "readyz"])
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(kubernetes.BaseUri, endpoint + "?verbose"));
            if (kubernetes.Credentials is { } credentials)
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            var (status, reason, body) = await HttpExchange.SendAsync(kubernetes.HttpClient, request, limits, async (response, stream, token) =>
                (response.StatusCode, response.ReasonPhrase, await HttpExchange.ReadTextAsync(response, stream, token).ConfigureAwait(false)),
                cancellationToken, $"Kubernetes API server {kubernetes.BaseUri.Authority}").ConfigureAwait(false);
            var code = (int)status;
            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.Authentication,
                    $"/{endpoint}: HTTP {code} {reason}: the credentials were {(code == 401 ? "missing or refused" : "refused this path")}")
                {
                    StatusCode = code,
                    Details = details,
                };
            }
            if (code is < 200 or > 299)
            {
                var failing = body.Split('\n').Where(l => l.StartsWith("[-]", StringComparison.Ordinal)).Select(l => l[3..].Trim()).ToList();
                return new ProbeOutcome(HealthStatus.Unhealthy, failing.Count > 0 ? HealthErrorKind.ServiceState : HealthErrorKind.HttpStatus,
                    failing.Count > 0
                        ? $"/{endpoint} failed: {string.Join("; ", failing)}"
                        : $"/{endpoint}: HTTP {code} {reason} '{HttpVerdicts.Preview(body)}'")
                {
                    StatusCode = code,
                    Details = details,
                };
            }
            // A verbose answer ends "livez check passed"; anything else (a proxy's page) is not the API server.
            if (!body.Contains($"{endpoint} check passed", StringComparison.Ordinal))
            {
                return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse,
                    $"/{endpoint}: HTTP {code} but not an API server's answer: '{HttpVerdicts.Preview(body)}'")
                {
                    StatusCode = code,
                    Details = details,
                };
            }
            details[endpoint] = "ok";
        }
        return ProbeOutcome.Healthy() with { StatusCode = 200, Details = details };
    }
}
