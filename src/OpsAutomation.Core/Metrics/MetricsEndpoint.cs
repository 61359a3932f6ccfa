using System.Net;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>Serves the module's registry at http://host:port/metrics for Prometheus to scrape, until disposed.</summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricServer _server;

    private MetricsEndpoint(MetricServer server, string address)
    {
        _server = server;
        Address = address;
    }

    /// <summary>Where it listens, such as http://127.0.0.1:9464/metrics or http://+:9464/metrics.</summary>
    public string Address { get; }

    /// <summary>Starts listening; a port in use or a host that cannot be bound throws <see cref="MetricsEndpointException"/> naming it.</summary>
    public static MetricsEndpoint Start(OpsMetrics metrics, string host, int port)
    {
        // + and * (every interface) are HttpListener prefixes, not host names: the address stays a string.
        var address = $"http://{host}:{port}/metrics";
        MetricServer? server = null;
        try
        {
            server = new MetricServer(host, port, "metrics/", metrics.Registry);
            server.Start();
            return new MetricsEndpoint(server, address);
        }
        catch (Exception ex) when (ex is HttpListenerException or ArgumentException or InvalidOperationException or PlatformNotSupportedException)
        {
            server?.Dispose();
            throw new MetricsEndpointException($"Cannot serve metrics on {address}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _server.Dispose();
}

/// <summary>The metrics endpoint could not start.</summary>
public sealed class MetricsEndpointException : Exception
{
    public MetricsEndpointException(string message, Exception? inner) : base(message, inner)
    {
    }
}
