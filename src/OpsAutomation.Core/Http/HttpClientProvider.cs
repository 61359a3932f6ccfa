using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OpsAutomation.Core.Http;

/// <summary>
/// Owns the process's HTTP connection pools: one handler per TLS policy, shared by every
/// request, so connections are reused across checks and runs instead of opened per call.
/// </summary>
public sealed class HttpClientProvider : IDisposable
{
    private readonly ConcurrentDictionary<string, ServerCertificate> _certificates = new(StringComparer.OrdinalIgnoreCase);
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

    /// <summary>
    /// The certificate <paramref name="uri"/>'s host presented on its latest TLS handshake (on
    /// any port); pooled connections reuse it, so it is at most a connection lifetime old.
    /// </summary>
    public ServerCertificate? GetServerCertificate(Uri uri) => _certificates.GetValueOrDefault(uri.IdnHost);

    public void Dispose()
    {
        if (_verifying.IsValueCreated) _verifying.Value.Dispose();
        if (_trustingAnyCertificate.IsValueCreated) _trustingAnyCertificate.Value.Dispose();
    }

    private HttpClient CreateClient(bool skipCertificateCheck) =>
        // Each call passes its own cancellation token for its own deadline; the client sets none.
        new(_handlerFactory(skipCertificateCheck)) { Timeout = Timeout.InfiniteTimeSpan };

    private SocketsHttpHandler CreateHandler(bool skipCertificateCheck)
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
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (sender, certificate, _, errors) =>
            {
                // The sender is the connection's SslStream, which knows the host but not the port.
                if (sender is SslStream { TargetHostName: { Length: > 0 } host } && certificate is not null)
                    _certificates[host] = ServerCertificate.From(certificate);
                // -SkipCertificateCheck accepts any certificate, as Invoke-WebRequest's does.
                return skipCertificateCheck || errors == SslPolicyErrors.None;
            },
        };
        return handler;
    }
}
