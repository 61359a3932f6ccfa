using System.Net.Sockets;
using System.Text.Json.Nodes;
using OpsAutomation.Sandbox.Controllers;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>The three probes a container may declare, by what the kubelet does with their result.</summary>
public enum ProbeKind
{
    /// <summary>Holds readiness and liveness until it passes; failing it <c>failureThreshold</c> times restarts the container.</summary>
    Startup,

    /// <summary>Ready or not: the pod in or out of its Services' endpoints and its Deployment's available count.</summary>
    Readiness,

    /// <summary>Failing it <c>failureThreshold</c> times in a row restarts the container.</summary>
    Liveness,
}

/// <summary>
/// A container's startup, readiness or liveness probe as the kubelet runs it, with the API's defaults:
/// an httpGet of <see cref="HttpPath"/> (a failure unless 2xx or 3xx within <see cref="Timeout"/>) or a
/// tcpSocket connect (<see cref="HttpPath"/> null; a failure unless it connects within <see cref="Timeout"/>),
/// every <see cref="Period"/> after <see cref="InitialDelay"/> from the container's start; its result turns
/// after <see cref="SuccessThreshold"/> successes or <see cref="FailureThreshold"/> failures in a row.
/// The port the probe names is the pod's sample application: it answers on every container port.
/// </summary>
public sealed record Probe(ProbeKind Kind, string? HttpPath, TimeSpan InitialDelay, TimeSpan Period, TimeSpan Timeout, int SuccessThreshold, int FailureThreshold)
{
    /// <summary>The name the kubelet gives the probe in its events (<c>Liveness probe failed: ...</c>).</summary>
    public string Name => Kind.ToString();

    /// <summary>The container's probe of <paramref name="kind"/>; null without one, or one the sandbox cannot run (exec, grpc), which then counts as passing.</summary>
    public static Probe? Of(JsonObject? container, ProbeKind kind)
    {
        var field = kind switch { ProbeKind.Startup => "startupProbe", ProbeKind.Readiness => "readinessProbe", _ => "livenessProbe" };
        if (container?[field] is not JsonObject probe)
        {
            return null;
        }
        string? path;
        if (probe["httpGet"] is JsonObject httpGet)
        {
            path = httpGet["path"]?.GetValue<string>() is { Length: > 0 } p ? p : "/";
            path = path.StartsWith('/') ? path : "/" + path;
        }
        else if (probe["tcpSocket"] is JsonObject)
        {
            path = null;
        }
        else
        {
            return null;
        }
        static TimeSpan Seconds(JsonNode? node, int fallback) => TimeSpan.FromSeconds(Objects.Number(node, fallback));
        return new Probe(kind, path, Seconds(probe["initialDelaySeconds"], 0), Seconds(probe["periodSeconds"], 10), Seconds(probe["timeoutSeconds"], 1),
            Math.Max(1, Objects.Number(probe["successThreshold"], 1)), Math.Max(1, Objects.Number(probe["failureThreshold"], 3)));
    }

    /// <summary>One probe of the application on <paramref name="port"/>: null when it passes, else why not, as the kubelet words it.</summary>
    public async Task<string?> ProbeAsync(HttpClient http, int port, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var target = $"127.0.0.1:{port}";
        if (HttpPath is null)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, linked.Token).ConfigureAwait(false);
                return null;
            }
            catch (SocketException)
            {
                return $"dial tcp {target}: connect: connection refused";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return $"dial tcp {target}: i/o timeout";
            }
        }
        var uri = new Uri($"http://{target}{HttpPath}");
        try
        {
            using var response = await http.GetAsync(uri, linked.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400 ? null : $"HTTP probe failed with statuscode: {code}";
        }
        catch (HttpRequestException)
        {
            // Refused: the container stopped. A failed probe, as the kubelet counts it.
            return $"Get \"{uri}\": dial tcp {target}: connect: connection refused";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"Get \"{uri}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
        }
    }
}
