using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// The /metrics endpoints Start-MetricsServer runs, at most one per port in the process, so that
/// any runspace can stop the server another one started. Disposed with the runtime.
/// </summary>
public sealed class MetricsServers : IDisposable
{
    private readonly Dictionary<int, (MetricsEndpoint Endpoint, MetricsServerInfo Info)> _servers = [];
    private readonly OpsMetrics _metrics;
    private readonly TimeProvider _time;

    public MetricsServers(OpsMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Serves the module's registry on host:port; a port this process already serves, or one that cannot be bound, throws <see cref="MetricsEndpointException"/>.</summary>
    public MetricsServerInfo Start(string host, int port)
    {
        lock (_servers)
        {
            if (_servers.TryGetValue(port, out var running))
                throw new MetricsEndpointException($"Port {port} already serves metrics at {running.Info.Address}; stop it with Stop-MetricsServer -Port {port} first.", null);
            var endpoint = MetricsEndpoint.Start(_metrics, host, port);
            var info = new MetricsServerInfo { Host = host, Port = port, Address = endpoint.Address, StartedAt = _time.GetUtcNow() };
            _servers[port] = (endpoint, info);
            return info;
        }
    }

    /// <summary>Stops and disposes the server on <paramref name="port"/>; null when none runs there.</summary>
    public MetricsServerInfo? Stop(int port)
    {
        lock (_servers)
        {
            if (!_servers.Remove(port, out var running)) return null;
            running.Endpoint.Dispose();
            return running.Info;
        }
    }

    public IReadOnlyList<MetricsServerInfo> List()
    {
        lock (_servers) return [.. _servers.Values.Select(s => s.Info).OrderBy(i => i.Port)];
    }

    public void Dispose()
    {
        lock (_servers)
        {
            foreach (var (endpoint, _) in _servers.Values) endpoint.Dispose();
            _servers.Clear();
        }
    }
}
