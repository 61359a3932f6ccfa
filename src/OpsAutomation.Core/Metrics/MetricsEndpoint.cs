using System.Net;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>Serves the module's registry at http://host:port/metrics for Prometheus to scrape, until disposed.</summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricServer _server;

    private MetricsEndpoint(MetricServer server, Uri uri)
    {
        _server = server;
        Uri = uri;
    }

    public Uri Uri { get; }

    /// <summary>Starts listening; a port in use or a host that cannot be bound throws <see cref="MetricsEndpointException"/> naming it.</summary>
    public static MetricsEndpoint Start(OpsMetrics metrics, string host, int port)
    {
        var server = new MetricServer(host, port, "metrics/", metrics.Registry);
        try
        {
            server.Start();
        }
        catch (HttpListenerException ex)
        {
            server.Dispose();
            throw new MetricsEndpointException($"Cannot serve metrics on http://{host}:{port}/metrics: {ex.Message}", ex);
        }
        return new MetricsEndpoint(server, new Uri($"http://{host}:{port}/metrics"));
    }

    public void Dispose() => _server.Dispose();
}

/// <summary>The metrics endpoint could not start.</summary>
public sealed class MetricsEndpointException : Exception
{
    public MetricsEndpointException(string message, Exception inner) : base(message, inner)
    {
    }
}
