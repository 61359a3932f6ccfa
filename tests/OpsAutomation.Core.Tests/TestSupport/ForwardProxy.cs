using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>
/// A forward proxy on 127.0.0.1, as much as clients need of one: CONNECT host:port opens a
/// tunnel (HTTPS), an absolute-URI request (GET http://host/path) is forwarded in origin form.
/// Records each request line that passed through, so a test sees what went by the proxy.
/// </summary>
public sealed class ForwardProxy : LoopbackServer
{
    public ForwardProxy() => Start();

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>"CONNECT 127.0.0.1:1234" or "GET http://127.0.0.1:1234/path", in arrival order.</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    protected override async Task ServeAsync(TcpClient client)
    {
        try
        {
            var downstream = client.GetStream();
            var head = await ScriptedHttpServer.ReadHeadAsync(downstream, Stopping);
            if (head is null) return;
            var lines = head.Split("\r\n");
            var parts = lines[0].Split(' ');
            Seen.Enqueue($"{parts[0]} {parts[1]}");
            using var upstream = new TcpClient();
            if (parts[0] == "CONNECT")
            {
                var endpoint = parts[1].Split(':');
                await upstream.ConnectAsync(endpoint[0], int.Parse(endpoint[1], System.Globalization.CultureInfo.InvariantCulture), Stopping);
                await downstream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection established\r\n\r\n"), Stopping);
                await PipeAsync(downstream, upstream.GetStream());
                return;
            }
            var target = new Uri(parts[1]);
            await upstream.ConnectAsync(target.Host, target.Port, Stopping);
            var origin = new StringBuilder($"{parts[0]} {target.PathAndQuery} {parts[2]}\r\n");
            foreach (var line in lines.Skip(1).Where(l => !l.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)))
                origin.Append(line).Append("\r\n");
            origin.Append("\r\n");
            var server = upstream.GetStream();
            await server.WriteAsync(Encoding.ASCII.GetBytes(origin.ToString()), Stopping);
            await PipeAsync(downstream, server);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side hung up.
        }
    }

    private async Task PipeAsync(NetworkStream a, NetworkStream b)
    {
        var one = a.CopyToAsync(b, Stopping);
        var other = b.CopyToAsync(a, Stopping);
        await Task.WhenAny(one, other);
    }
}
