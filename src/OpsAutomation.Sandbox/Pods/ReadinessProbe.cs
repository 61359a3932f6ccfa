using System.Text.Json.Nodes;
using OpsAutomation.Sandbox.Controllers;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// A container's readinessProbe as the kubelet runs it, with the API's defaults: an httpGet of
/// <see cref="Path"/> every <see cref="Period"/> after <see cref="InitialDelay"/>, a failure when
/// the answer is not 2xx/3xx within <see cref="Timeout"/>; ready after <see cref="SuccessThreshold"/>
/// successes in a row, not ready after <see cref="FailureThreshold"/> failures in a row. The port
/// the probe names is the pod's sample application: it answers on every container port.
/// </summary>
public sealed record ReadinessProbe(string Path, TimeSpan InitialDelay, TimeSpan Period, TimeSpan Timeout, int SuccessThreshold, int FailureThreshold)
{
    /// <summary>The container's httpGet readinessProbe; null without one (a running container is then ready).</summary>
    public static ReadinessProbe? Of(JsonObject? container)
    {
        if (container?["readinessProbe"] is not JsonObject probe || probe["httpGet"] is not JsonObject httpGet)
        {
            return null;
        }
        static TimeSpan Seconds(JsonNode? node, int fallback) => TimeSpan.FromSeconds(Objects.Number(node, fallback));
        var path = httpGet["path"]?.GetValue<string>() is { Length: > 0 } p ? p : "/";
        return new ReadinessProbe(path.StartsWith('/') ? path : "/" + path,
            Seconds(probe["initialDelaySeconds"], 0), Seconds(probe["periodSeconds"], 10), Seconds(probe["timeoutSeconds"], 1),
            Math.Max(1, Objects.Number(probe["successThreshold"], 1)), Math.Max(1, Objects.Number(probe["failureThreshold"], 3)));
    }

    /// <summary>One probe of the application on <paramref name="port"/>: null on a 2xx or 3xx answer in time, else why not, as the kubelet words it.</summary>
    public async Task<string?> ProbeAsync(HttpClient http, int port, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var uri = new Uri($"http://127.0.0.1:{port}{Path}");
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var response = await http.GetAsync(uri, linked.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400 ? null : $"HTTP probe failed with statuscode: {code}";
        }
        catch (HttpRequestException)
        {
            // Refused: the container stopped. A failed probe, as the kubelet counts it.
            return $"Get \"{uri}\": dial tcp 127.0.0.1:{port}: connect: connection refused";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"Get \"{uri}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
        }
    }
}
