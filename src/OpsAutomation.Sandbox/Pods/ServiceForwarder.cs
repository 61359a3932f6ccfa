using System.Net;
using System.Net.Sockets;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// One service port on 127.0.0.1: each accepted TCP connection goes to the application port
/// <c>nextBackend</c> picks at that moment (kube-proxy's per-connection choice), both directions
/// copied until each side closes; no backend, or one that refuses, resets the connection at once,
/// as kube-proxy's reject rule does for a service without ready endpoints.
/// </summary>
public sealed class ServiceForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int?> _nextBackend;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public ServiceForwarder(Func<int?> nextBackend)
    {
        _nextBackend = nextBackend ?? throw new ArgumentNullException(nameof(nextBackend));
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    /// <summary>The 127.0.0.1 port clients connect to.</summary>
    public int Port { get; }

    private async Task AcceptAsync(CancellationToken stopping)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => ForwardAsync(client, stopping), CancellationToken.None);
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken stopping)
    {
        using (client)
        {
            if (_nextBackend() is not { } port)
            {
                Reset(client);
                return;
            }
            using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await backend.ConnectAsync(IPAddress.Loopback, port, stopping).ConfigureAwait(false);
                await Task.WhenAll(CopyAsync(client, backend, stopping), CopyAsync(backend, client, stopping)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // The backend refused or went, a side reset, or the sandbox stops: the client sees the reset.
                Reset(client);
            }
        }
    }

    /// <summary>Copies one direction, then passes the end of the stream on (a half close), as a TCP proxy does.</summary>
    private static async Task CopyAsync(Socket from, Socket to, CancellationToken stopping)
    {
        using (var source = new NetworkStream(from, ownsSocket: false))
        using (var target = new NetworkStream(to, ownsSocket: false))
        {
            await source.CopyToAsync(target, stopping).ConfigureAwait(false);
        }
        to.Shutdown(SocketShutdown.Send);
    }

    private static void Reset(Socket socket) => socket.LingerState = new LingerOption(true, 0);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
