using System.Globalization;
using System.Text.Json;
using k8s.Models;

namespace OpsAutomation.Core.Deployment;

/// <summary>
/// Where a Service can be reached from this machine, to validate what it serves: the local port the
/// Kubernetes sandbox publishes in an annotation, else a LoadBalancer's ingress address. A
/// ClusterIP is not reachable from outside the cluster, so such a Service has no URL here and
/// validation needs one given.
/// </summary>
public static class ServiceUrls
{
    /// <summary>The sandbox's annotation: each service port mapped to its 127.0.0.1 port, JSON <c>{"80":41234}</c>.</summary>
    public const string SandboxPortsAnnotation = "sandbox.opsautomation/ports";

    public static Uri? For(V1Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var port = service.Spec?.Ports?.FirstOrDefault();
        if (port is null) return null;
        if (service.Metadata?.Annotations?.TryGetValue(SandboxPortsAnnotation, out var ports) == true && LocalPort(ports, port.Port) is { } local)
            return new Uri($"http://127.0.0.1:{local.ToString(CultureInfo.InvariantCulture)}/");
        var ingress = service.Status?.LoadBalancer?.Ingress?.FirstOrDefault();
        var host = ingress?.Ip ?? ingress?.Hostname;
        if (host is null) return null;
        var scheme = port.Port == 443 || string.Equals(port.Name, "https", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        return new UriBuilder(scheme, host, port.Port).Uri;
    }

    private static int? LocalPort(string annotation, int servicePort)
    {
        try
        {
            using var document = JsonDocument.Parse(annotation);
            return document.RootElement.TryGetProperty(servicePort.ToString(CultureInfo.InvariantCulture), out var local) && local.TryGetInt32(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
