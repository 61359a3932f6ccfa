using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// One run of a pod's container: the built-in sample application on its own free 127.0.0.1 port,
/// serving / (200, or 500 at the error rate, after the latency), /healthz (503 once hung), /readyz (503 during the
/// slow start, always with READINESS_FAIL) and /metrics. It logs each request and its lifecycle
/// through <paramref name="log"/>, and after CRASH_AFTER_SECONDS (or at once with OOM) it stops
/// listening and reports its <see cref="ContainerExit"/> through <paramref name="exited"/>.
/// A plain listener, one request a connection: 1,000 pods cost 1,000 sockets, not 1,000 web hosts.
/// </summary>
public sealed class SampleApp : IAsyncDisposable
{
    private readonly SampleAppSettings _settings;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly Action<ContainerExit> _exited;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer? _crash;
    private readonly Task _serving;
    private long _served;
    private long _failed;
    private int _stopped;

    public SampleApp(SampleAppSettings settings, TimeProvider time, Action<string> log, Action<ContainerExit> exited)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _exited = exited ?? throw new ArgumentNullException(nameof(exited));
        StartedAt = time.GetUtcNow();
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Log($"sample app listening on 127.0.0.1:{Port}");
        _serving = Task.Run(() => ServeAsync(_stopping.Token));
        if (settings.CrashAfter is { } after)
        {
            _crash = time.CreateTimer(_ => Crash(), null, after, Timeout.InfiniteTimeSpan);
        }
    }

    public int Port { get; }

    public DateTimeOffset StartedAt { get; }

    public SampleAppMetrics Metrics { get; } = new();

    private void Log(string line) => _log($"{Api.ObjectStore.Timestamp(_time.GetUtcNow())} {line}");

    private void Crash()
    {
        if (Volatile.Read(ref _stopped) == 1)
        {
            return;
        }
        if (_settings.OutOfMemory)
        {
            Log("allocating without bound (OOM): killed by the kernel's out-of-memory killer");
        }
        else
        {
            Log($"crashing as told (CRASH_AFTER_SECONDS): exit code {_settings.ExitCode}");
        }
        if (Stop())
        {
            _exited(new ContainerExit(_settings.ExitCode, _settings.OutOfMemory ? "OOMKilled" : "Error", StartedAt, _time.GetUtcNow()));
        }
    }

    /// <summary>The kubelet kills the container (a failed liveness or startup probe): it stops and exits with <paramref name="exitCode"/>, reason Error.</summary>
    public void Kill(int exitCode)
    {
        if (Stop())
        {
            _exited(new ContainerExit(exitCode, "Error", StartedAt, _time.GetUtcNow()));
        }
    }

    /// <summary>Stops listening; true the first time.</summary>
    private bool Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return false;
        }
        _stopping.Cancel();
        _listener.Stop();
        return true;
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && cancellationToken.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task AnswerAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)))
                {
                    // Headers: the sample application needs none of them.
                }
                var parts = requestLine.Split(' ');
                var method = parts[0];
                var path = parts.Length > 1 ? parts[1].Split('?')[0] : "/";
                var started = _time.GetTimestamp();
                var (code, body, contentType) = await RespondAsync(path, cancellationToken).ConfigureAwait(false);
                var latency = _time.GetElapsedTime(started);
                Metrics.Record(path, code, path == "/" ? latency : null);
                if (path != "/metrics")
                {
                    Log($"{method} {path} {code} {latency.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms");
                }
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {code} {(code switch { 200 => "OK", 404 => "Not Found", 500 => "Internal Server Error", _ => "Service Unavailable" })}\r\n"
                    + $"Content-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // The client went, or the container stopped mid-request: a connection a real app drops too.
            }
        }
    }

    private async Task<(int Code, string Body, string ContentType)> RespondAsync(string path, CancellationToken cancellationToken)
    {
        const string Text = "text/plain; charset=utf-8";
        var starting = _time.GetUtcNow() < StartedAt + _settings.SlowStart;
        switch (path)
        {
            case "/healthz":
                return starting ? (503, "starting\n", Text)
                    : _time.GetUtcNow() >= StartedAt + _settings.HangAfter ? (503, "hung (HANG_AFTER_SECONDS)\n", Text) : (200, "ok\n", Text);
            case "/readyz":
                return starting ? (503, "starting\n", Text) : _settings.ReadinessFails ? (503, "not ready (READINESS_FAIL)\n", Text) : (200, "ready\n", Text);
            case "/metrics":
                return (200, Metrics.Text(), "text/plain; version=0.0.4; charset=utf-8");
            case "/":
                if (_settings.Latency > TimeSpan.Zero)
                {
                    await Task.Delay(_settings.Latency, _time, cancellationToken).ConfigureAwait(false);
                }
                // Deterministic error rate: after n requests, floor(n * rate) of them have failed.
                var served = Interlocked.Increment(ref _served);
                var fail = (long)Math.Floor(served * _settings.ErrorRate) > Interlocked.Read(ref _failed);
                if (fail)
                {
                    Interlocked.Increment(ref _failed);
                    return (500, "error (ERROR_RATE)\n", Text);
                }
                return (200, "hello from the sandbox\n", Text);
            default:
                return (404, "not found\n", Text);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        if (_crash is not null)
        {
            await _crash.DisposeAsync().ConfigureAwait(false);
        }
        await _serving.ConfigureAwait(false);
        _stopping.Dispose();
        _listener.Dispose();
    }
}
