using System.Net;
using System.Net.Security;

namespace OpsAutomation.Core.Http;

/// <summary>
/// Owns the process's HTTP connection pools: one handler per TLS policy, shared by every
/// request, so connections are reused across checks and runs instead of opened per call.
/// </summary>
public sealed class HttpClientProvider : IDisposable
{
    private readonly Func<bool, HttpMessageHandler> _handlerFactory;
    private readonly Lazy<HttpClient> _verifying;
    private readonly Lazy<HttpClient> _trustingAnyCertificate;

    /// <param name="handlerFactory">Builds the handler for "skip certificate check" false/true; the test seam.</param>
    public HttpClientProvider(Func<bool, HttpMessageHandler>? handlerFactory = null)
    {
        _handlerFactory = handlerFactory ?? CreateHandler;
        _verifying = new Lazy<HttpClient>(() => CreateClient(false));
        _trustingAnyCertificate = new Lazy<HttpClient>(() => CreateClient(true));
    }

    public HttpClient Get(bool skipCertificateCheck = false) =>
        skipCertificateCheck ? _trustingAnyCertificate.Value : _verifying.Value;

    public void Dispose()
    {
        if (_verifying.IsValueCreated) _verifying.Value.Dispose();
        if (_trustingAnyCertificate.IsValueCreated) _trustingAnyCertificate.Value.Dispose();
    }

    private HttpClient CreateClient(bool skipCertificateCheck) =>
        // Each call passes its own cancellation token for its own deadline; the client sets none.
        new(_handlerFactory(skipCertificateCheck)) { Timeout = Timeout.InfiniteTimeSpan };

    private static SocketsHttpHandler CreateHandler(bool skipCertificateCheck)
    {
        var handler = new SocketsHttpHandler
        {
            // A health check reports what the endpoint answers, a redirect included.
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
        };
        if (skipCertificateCheck)
        {
            // Asked for explicitly by -SkipCertificateCheck, as Invoke-WebRequest offers it.
#pragma warning disable CA5359
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            };
#pragma warning restore CA5359
        }
        return handler;
    }
}
