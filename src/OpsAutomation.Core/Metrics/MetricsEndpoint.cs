using System.Net;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// Serves registries at http://host:port/metrics in the text format 0.0.4 for Prometheus to
/// scrape, until disposed. Several registries are served as one exposition, so the machine's
/// node_* metrics can sit beside the module's without entering the registry that is pushed or
/// written to a textfile (where they would collide with node_exporter's own).
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    private const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly HttpListener _listener;
    private readonly IReadOnlyList<CollectorRegistry> _registries;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;

    private MetricsEndpoint(HttpListener listener, IReadOnlyList<CollectorRegistry> registries, string address)
    {
        _listener = listener;
        _registries = registries;
        Address = address;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Where it listens, such as http://127.0.0.1:9464/metrics or http://+:9464/metrics.</summary>
    public string Address { get; }

    /// <summary>Serves the module's registry.</summary>
    public static MetricsEndpoint Start(OpsMetrics metrics, string host, int port) => Start([metrics.Registry], host, port);

    /// <summary>Starts listening; a port in use or a host that cannot be bound throws <see cref="MetricsEndpointException"/> naming it.</summary>
    public static MetricsEndpoint Start(IReadOnlyList<CollectorRegistry> registries, string host, int port)
    {
        // + and * (every interface) are HttpListener prefixes, not host names: the address stays a string.
        var address = $"http://{host}:{port}/metrics";
        var listener = new HttpListener();
        try
        {
            listener.Prefixes.Add($"http://{host}:{port}/");
            listener.Start();
            return new MetricsEndpoint(listener, registries, address);
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
        catch (AggregateException)
        {
            // The accept loop ends with the listener's own exception; it is stopping either way.
        }
        _stopping.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = AnswerAsync(context);
        }
    }

    private static bool IsHangUp(Exception ex) => ex is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException;

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
            foreach (var registry in _registries)
                await registry.CollectAndExportAsTextAsync(body, _stopping.Token).ConfigureAwait(false);
            response.ContentType = ContentType;
            response.ContentLength64 = body.Length;
            body.Position = 0;
            await body.CopyToAsync(response.OutputStream, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsHangUp(ex))
        {
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
                // The client left; nothing more to tell it.
            }
        }
        catch (Exception ex) when (IsHangUp(ex))
        {
            // The client left or the endpoint stopped mid-answer.
        }
        finally
        {
            try { response.Close(); } catch (ObjectDisposedException) { } catch (HttpListenerException) { }
        }
    }
}

/// <summary>The metrics endpoint could not start.</summary>
public sealed class MetricsEndpointException : Exception
{
    public MetricsEndpointException(string message, Exception? inner) : base(message, inner)
    {
    }
}
