using System.Net;
using OpsAutomation.Core.Logging;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// Serves registries at http://host:port/metrics in the text format 0.0.4 for Prometheus to
/// scrape, until disposed. Several registries are served as one exposition, so the machine's
/// node_* metrics can sit beside the module's without entering the registry that is pushed or
/// written to a textfile (where they would collide with node_exporter's own).
/// A failing request is answered 500, logged, and the next one is served; at most
/// <see cref="MaxConcurrentRequests"/> are answered at once (more get 503, as promhttp's
/// MaxRequestsInFlight does). If the listener itself fails, <see cref="Fault"/> says why.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    /// <summary>Requests answered at once by default; Prometheus scrapes a target one request at a time.</summary>
    public const int DefaultMaxConcurrentRequests = 8;

    private const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly HttpListener _listener;
    private readonly Func<Stream, CancellationToken, Task> _export;
    private readonly OpsLog? _log;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;
    private Exception? _fault;

    private MetricsEndpoint(HttpListener listener, Func<Stream, CancellationToken, Task> export, string address, OpsLog? log, int maxConcurrentRequests)
    {
        _listener = listener;
        _export = export;
        _log = log;
        MaxConcurrentRequests = maxConcurrentRequests;
        _slots = new SemaphoreSlim(maxConcurrentRequests, maxConcurrentRequests);
        Address = address;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Where it listens, such as http://127.0.0.1:9464/metrics or http://+:9464/metrics.</summary>
    public string Address { get; }

    public int MaxConcurrentRequests { get; }

    /// <summary>Why the listener stopped serving while nobody stopped it; null while it serves (or after a Dispose).</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Serves the module's registry.</summary>
    public static MetricsEndpoint Start(OpsMetrics metrics, string host, int port, OpsLog? log = null) => Start([metrics.Registry], host, port, log);

    /// <summary>Serves <paramref name="registries"/> as one exposition.</summary>
    public static MetricsEndpoint Start(IReadOnlyList<CollectorRegistry> registries, string host, int port, OpsLog? log = null,
        int maxConcurrentRequests = DefaultMaxConcurrentRequests) =>
        Start(async (stream, cancellationToken) =>
        {
            foreach (var registry in registries)
                await registry.CollectAndExportAsTextAsync(stream, cancellationToken).ConfigureAwait(false);
        }, host, port, log, maxConcurrentRequests);

    /// <summary>Starts listening; a port in use or a host that cannot be bound throws <see cref="MetricsEndpointException"/> naming it.</summary>
    /// <param name="export">Writes the exposition of one request; a throw is that request's 500.</param>
    /// <param name="log">Where failed requests and a failed listener are logged; null for nowhere (they still answer 500 and set <see cref="Fault"/>).</param>
    public static MetricsEndpoint Start(Func<Stream, CancellationToken, Task> export, string host, int port, OpsLog? log = null,
        int maxConcurrentRequests = DefaultMaxConcurrentRequests)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentRequests, 1);
        // + and * (every interface) are HttpListener prefixes, not host names: the address stays a string.
        var address = $"http://{host}:{port}/metrics";
        var listener = new HttpListener();
        try
        {
            listener.Prefixes.Add($"http://{host}:{port}/");
            listener.Start();
            return new MetricsEndpoint(listener, export, address, log, maxConcurrentRequests);
        }
        catch (Exception ex) when (ex is HttpListenerException or ArgumentException or InvalidOperationException or PlatformNotSupportedException)
        {
            listener.Close();
            throw new MetricsEndpointException($"Cannot serve metrics on {address}: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException ex)
        {
            // The accept loop catches its own failures; anything else is logged, not thrown at the one who stops it.
            Log(OpsLogLevel.Warning, "stop", $"The metrics endpoint {Address} ended with an error while stopping.", ex.InnerException ?? ex);
        }
        _stopping.Dispose();
    }

    /// <summary>Closes the listener as a failing socket would, without a stop: the test seam for a listener that dies.</summary>
    internal void BreakListener() => _listener.Abort();

    private async Task ServeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                // Nobody asked it to stop: say so loudly, to whoever watches Fault and in the log.
                Volatile.Write(ref _fault, ex);
                Log(OpsLogLevel.Error, "listen", $"The metrics endpoint {Address} stopped serving: {ex.Message}", ex);
                return;
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Disposed: the accept ends with the listener's own exception.
                return;
            }
            if (!await _slots.WaitAsync(0).ConfigureAwait(false))
            {
                _ = RefuseAsync(context);
                continue;
            }
            _ = AnswerAsync(context);
        }
    }

    private static bool IsHangUp(Exception ex) => ex is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException;

    private async Task RefuseAsync(HttpListenerContext context)
    {
        Log(OpsLogLevel.Warning, "scrape", $"{Address} refused a request with 503: {MaxConcurrentRequests} requests were already being answered.", null);
        try
        {
            context.Response.StatusCode = 503;
            var message = System.Text.Encoding.UTF8.GetBytes($"too many concurrent requests (limit {MaxConcurrentRequests})\n");
            await context.Response.OutputStream.WriteAsync(message).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsHangUp(ex))
        {
            // The client left; nothing more to tell it.
        }
        finally
        {
            Close(context.Response);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            if (context.Request.Url?.AbsolutePath.TrimEnd('/') != "/metrics")
            {
                response.StatusCode = 404;
                return;
            }
            // Collected to memory first, so a failing collector is a 500, not half an exposition.
            using var body = new MemoryStream();
            await _export(body, _stopping.Token).ConfigureAwait(false);
            response.ContentType = ContentType;
            response.ContentLength64 = body.Length;
            body.Position = 0;
            await body.CopyToAsync(response.OutputStream, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsHangUp(ex))
        {
            Log(OpsLogLevel.Warning, "scrape", $"{Address} answered 500: collecting metrics failed: {ex.Message}", ex);
            // A scrape that fails says why, as Prometheus shows the body of a failed scrape.
            if (!response.OutputStream.CanWrite) return;
            try
            {
                response.StatusCode = 500;
                var message = System.Text.Encoding.UTF8.GetBytes($"collecting metrics failed: {ex.Message}\n");
                await response.OutputStream.WriteAsync(message).ConfigureAwait(false);
            }
            catch (Exception hangUp) when (IsHangUp(hangUp))
            {
                Log(OpsLogLevel.Debug, "scrape", $"{Address}: the client left before the 500 was sent.", hangUp);
            }
        }
        catch (Exception ex) when (IsHangUp(ex))
        {
            Log(OpsLogLevel.Debug, "scrape", $"{Address}: the client left or the endpoint stopped mid-answer.", ex);
        }
        finally
        {
            Close(response);
            _slots.Release();
        }
    }

    private void Close(HttpListenerResponse response)
    {
        try
        {
            response.Close();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or HttpListenerException)
        {
            Log(OpsLogLevel.Debug, "scrape", $"{Address}: the response could not be closed.", ex);
        }
    }

    private void Log(OpsLogLevel level, string step, string message, Exception? exception) => _log?.Write(new LogRecord
    {
        Level = level,
        Action = "metrics-endpoint-" + step,
        Outcome = level >= OpsLogLevel.Warning ? "failure" : null,
        Message = message,
        Url = Address,
        ErrorType = exception?.GetType().FullName,
        ErrorMessage = exception?.Message,
    });
}

/// <summary>The metrics endpoint could not start.</summary>
public sealed class MetricsEndpointException : Exception
{
    public MetricsEndpointException(string message, Exception? inner) : base(message, inner)
    {
    }
}
