using System.Globalization;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>What a target looks like for each kind, and how a kind is inferred from it.</summary>
internal static class HealthTargets
{
    /// <summary>The kind a target implies: http(s):// is Http, tcp:// or host:port is Tcp, dns:// is Dns.</summary>
    public static HealthCheckKind? InferKind(string target)
    {
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return HealthCheckKind.Http;
        if (target.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
            return HealthCheckKind.Tcp;
        if (target.StartsWith("dns://", StringComparison.OrdinalIgnoreCase))
            return HealthCheckKind.Dns;
        return TrySplitHostPort(target, out _, out _) ? HealthCheckKind.Tcp : null;
    }

    /// <summary>The target in the canonical form of its kind; throws naming the bad value.</summary>
    public static string Normalize(HealthCheckKind kind, string target, ConfigurationMap source, string key)
    {
        switch (kind)
        {
            case HealthCheckKind.Http:
                return HttpUri(target, source, key).AbsoluteUri;
            case HealthCheckKind.Elasticsearch or HealthCheckKind.Kibana or HealthCheckKind.Prometheus or HealthCheckKind.Grafana
                or HealthCheckKind.Alertmanager or HealthCheckKind.Pushgateway:
                // The service's base URL; its probe appends the API paths, so a proxy prefix (/es/) is kept.
                var baseUri = HttpUri(target, source, key).AbsoluteUri;
                return baseUri.EndsWith('/') ? baseUri : baseUri + "/";
            case HealthCheckKind.Kubernetes or HealthCheckKind.KubernetesWorkload:
                // Optional: the API server URL when it differs from the kubeconfig's (a proxy, a tunnel).
                return target.Length == 0 ? "" : HttpUri(target, source, key).AbsoluteUri;
            case HealthCheckKind.Tcp:
                var hostPort = StripScheme(target, "tcp://").TrimEnd('/');
                return TrySplitHostPort(hostPort, out _, out _)
                    ? hostPort
                    : throw source.Error($"'{target}' is not host:port (or tcp://host:port) with a port from 1 to 65535", key);
            case HealthCheckKind.Dns:
                var host = StripScheme(target, "dns://").TrimEnd('/');
                return Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
                    ? host
                    : throw source.Error($"'{target}' is not a host name", key);
            default:
                throw source.Error($"kind {kind} has no target rule", key);
        }
    }

    private static Uri HttpUri(string target, ConfigurationMap source, string key) =>
        Uri.TryCreate(target, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0
            ? uri
            : throw source.Error($"'{target}' is not an absolute http:// or https:// URI", key);

    public static (string Host, int Port) SplitHostPort(string target) =>
        TrySplitHostPort(target, out var host, out var port) ? (host, port) : throw new FormatException($"'{target}' is not host:port");

    private static bool TrySplitHostPort(string target, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = target.LastIndexOf(':');
        if (colon <= 0 || colon == target.Length - 1) return false;
        host = target[..colon].Trim('[', ']');
        if (!int.TryParse(target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            return false;
        return Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;
    }

    private static string StripScheme(string target, string scheme) =>
        target.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? target[scheme.Length..] : target;
}
