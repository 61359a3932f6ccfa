using System.Net;
using System.Net.Sockets;

namespace OpsAutomation.Core.Health;

/// <summary>A TCP connect to host:port; connected is healthy.</summary>
internal sealed class TcpHealthProbe : IHealthProbe
{
    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        var (host, port) = HealthTargets.SplitHostPort(check.Definition.Target);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new DnsEndPoint(host, port), cancellationToken).ConfigureAwait(false);
        var details = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["RemoteEndPoint"] = socket.RemoteEndPoint?.ToString(),
        };
        socket.Shutdown(SocketShutdown.Both);
        return ProbeOutcome.Healthy() with { Details = details };
    }
}
