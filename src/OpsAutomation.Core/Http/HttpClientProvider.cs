using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OpsAutomation.Core.Http;

/// <summary>
/// Owns the process's HTTP connection pools: one handler per TLS policy, shared by every
/// request, so connections are reused across checks and runs instead of opened per call. Every
/// handler goes through the proxy the environment names (https_proxy, http_proxy, no_proxy).
/// </summary>
public sealed class HttpClientProvider : IDisposable
{
    private readonly ConcurrentDictionary<string, ServerCertificate> _certificates = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<HttpTlsOptions, HttpClient> _clients = [];
    private readonly object _gate = new();
    private readonly IWebProxy? _proxy;

    /// <param name="environment">Reads environment variables (the proxy settings); the test seam. Default: the process environment.</param>
    public HttpClientProvider(Func<string, string?>? environment = null)
    {
        _proxy = EnvironmentProxy.FromEnvironment(environment ?? Environment.GetEnvironmentVariable);
    }

    /// <summary>The proxy the environment names, or null for direct connections.</summary>
    public IWebProxy? Proxy => _proxy;

    public HttpClient Get(bool skipCertificateCheck = false) => Get(skipCertificateCheck ? HttpTlsOptions.TrustAny : HttpTlsOptions.Default);

    /// <summary>The client of a TLS policy; a CA bundle or client certificate that cannot be loaded throws <see cref="HttpTlsConfigurationException"/> (and is tried again next time).</summary>
    public HttpClient Get(HttpTlsOptions tls)
    {
        lock (_gate)
        {
            if (_clients.TryGetValue(tls, out var client)) return client;
            // Each call passes its own cancellation token for its own deadline (HttpExchange); the client sets none.
            client = new HttpClient(CreateHandler(tls)) { Timeout = Timeout.InfiniteTimeSpan };
            _clients[tls] = client;
            return client;
        }
    }

    /// <summary>
    /// The certificate <paramref name="uri"/>'s host and port presented on its latest TLS
    /// handshake; pooled connections reuse it, so it is at most a connection lifetime old.
    /// </summary>
    public ServerCertificate? GetServerCertificate(Uri uri) => _certificates.GetValueOrDefault(Endpoint(uri));

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var client in _clients.Values) client.Dispose();
            _clients.Clear();
        }
    }

    private static string Endpoint(Uri uri) => $"{uri.IdnHost}:{uri.Port}";

    private SocketsHttpHandler CreateHandler(HttpTlsOptions tls)
    {
        var trusted = tls.LoadCaBundle();
        var clientCertificate = tls.LoadClientCertificate();
        var handler = new SocketsHttpHandler
        {
            // Redirects are followed by the caller that wants them, hop by hop (health checks report the final URL).
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = _proxy is not null,
            Proxy = _proxy,
            // The certificate is remembered per host AND port once TLS is up: the request names both.
            PlaintextStreamFilter = (context, _) =>
            {
                if (context.PlaintextStream is SslStream { RemoteCertificate: { } certificate } && context.InitialRequestMessage.RequestUri is { } uri)
                    _certificates[Endpoint(uri)] = ServerCertificate.From(certificate);
                return ValueTask.FromResult(context.PlaintextStream);
            },
        };
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                // -SkipCertificateCheck accepts any certificate, as Invoke-WebRequest's does.
                tls.SkipCertificateCheck || (trusted is null ? errors == SslPolicyErrors.None : ChainsTo(trusted, certificate, chain, errors)),
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
        };
        return handler;
    }

    // A CA bundle replaces the system's roots, as curl --cacert does; a name mismatch stays fatal.
    private static bool ChainsTo(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        var leaf = certificate as X509Certificate2;
        using var copy = leaf is null ? new X509Certificate2(certificate) : null;
        return chain.Build(leaf ?? copy!);
    }
}
