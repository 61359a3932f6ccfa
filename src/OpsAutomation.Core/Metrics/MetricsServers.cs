using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Metrics;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// The /metrics endpoints Start-MetricsServer runs, at most one per port in the process, so that
/// any runspace can stop the server another one started. They serve the module's registry and
/// the machine's node_* metrics. Disposed with the runtime.
/// </summary>
public sealed class MetricsServers : IDisposable
{
    private readonly Dictionary<int, (MetricsEndpoint Endpoint, MetricsServerInfo Info, OpsLog? Log)> _servers = [];
    private readonly OpsMetrics _metrics;
    private readonly TimeProvider _time;
    private CollectorRegistry? _systemMetrics;

    public MetricsServers(OpsMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Serves the module's registry on host:port; a port this process already serves, or one that cannot be bound, throws <see cref="MetricsEndpointException"/>.</summary>
    /// <param name="systemMetrics">Also serve the machine's node_* metrics (false where a node_exporter already does).</param>
    /// <param name="log">Where the server logs failed requests and a failed listener; it is the server's from now on and disposed when it stops.</param>
    public MetricsServerInfo Start(string host, int port, bool systemMetrics = true, OpsLog? log = null)
    {
        lock (_servers)
        {
            if (_servers.TryGetValue(port, out var running))
                throw new MetricsEndpointException($"Port {port} already serves metrics at {running.Info.Address}; stop it with Stop-MetricsServer -Port {port} first.", null);
            var registries = systemMetrics ? Registries() : [_metrics.Registry];
            MetricsEndpoint endpoint;
            try
            {
                endpoint = MetricsEndpoint.Start(registries, host, port, log);
            }
            catch (MetricsEndpointException)
            {
                log?.Dispose();
                throw;
            }
            var info = new MetricsServerInfo { Host = host, Port = port, Address = endpoint.Address, SystemMetrics = registries.Count > 1, StartedAt = _time.GetUtcNow() };
            _servers[port] = (endpoint, info, log);
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
            running.Log?.Dispose();
            return running.Info;
        }
    }

    /// <summary>
    /// Why the server <paramref name="started"/> describes no longer serves: it was stopped
    /// (Stop-MetricsServer), or its listener failed (<see cref="MetricsEndpoint.Fault"/>, and the
    /// dead server is removed so its port can be served again); null while it serves.
    /// </summary>
    public MetricsEndpointException? Problem(MetricsServerInfo started)
    {
        lock (_servers)
        {
            if (!_servers.TryGetValue(started.Port, out var running) || !ReferenceEquals(running.Info, started))
                return new MetricsEndpointException($"The metrics endpoint {started.Address} was stopped; metrics are no longer served there.", null);
            if (running.Endpoint.Fault is not { } fault) return null;
            Stop(started.Port);
            return new MetricsEndpointException($"The metrics endpoint {started.Address} stopped serving: {fault.Message}", fault);
        }
    }

    /// <summary>The endpoint serving <paramref name="port"/>, for tests that break it.</summary>
    internal MetricsEndpoint? Endpoint(int port)
    {
        lock (_servers) return _servers.TryGetValue(port, out var running) ? running.Endpoint : null;
    }

    /// <summary>The samples /metrics would serve now, read through the exposition as a scrape reads them.</summary>
    public Task<IReadOnlyList<MetricSample>> SnapshotAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        RegistrySnapshot.CollectAsync(Registries(), now, cancellationToken);

    /// <summary>What /metrics serves: the module's registry, and the machine's metrics where the platform has a source.</summary>
    public IReadOnlyList<CollectorRegistry> Registries()
    {
        lock (_servers) return SystemMetrics() is { } system ? [_metrics.Registry, system] : [_metrics.Registry];
    }

    /// <summary>
    /// The machine's metrics under node_exporter's names, read at each scrape, so existing
    /// dashboards and rules work unchanged. A registry of their own: Publish-Metric and
    /// Export-MetricTextFile send the module's registry, where node_* would collide with a
    /// node_exporter's. Null on a platform without a source.
    /// </summary>
    private CollectorRegistry? SystemMetrics()
    {
        if (_systemMetrics is not null) return _systemMetrics;
        Machine.ISystemMetricsSource source;
        try
        {
            source = Machine.SystemMetricsSources.ForCurrentPlatform();
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
        var registry = Prometheus.Metrics.NewCustomRegistry();
        Machine.NodeMetricsCollector.Register(registry, source, _time);
        return _systemMetrics = registry;
    }

    public IReadOnlyList<MetricsServerInfo> List()
    {
        lock (_servers) return [.. _servers.Values.Select(s => s.Info).OrderBy(i => i.Port)];
    }

    public void Dispose()
    {
        lock (_servers)
        {
            foreach (var (endpoint, _, log) in _servers.Values)
            {
                endpoint.Dispose();
                log?.Dispose();
            }
            _servers.Clear();
        }
    }
}
