using System.Buffers;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;

namespace OpsAutomation.Core.Health;

/// <summary>One HTTP response as the probes judge it: status, headers, the body read to its end, the server certificate, where redirects led.</summary>
internal sealed record HttpAnswer(int StatusCode, string? ReasonPhrase, string Body, IReadOnlyDictionary<string, string> Headers, string? MediaType,
    Version HttpVersion, ServerCertificate? Certificate)
{
    /// <summary>Bodies are read to the end (to see a truncated one) but kept up to this much.</summary>
    internal const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Redirects followed at most, as blackbox_exporter and Kubernetes probes do.</summary>
    internal const int MaxRedirects = 10;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public string StatusText => $"HTTP {StatusCode} {ReasonPhrase}".TrimEnd();

    /// <summary>Where the answer came from after redirects (masked); null when none was followed.</summary>
    public string? FinalUrl { get; init; }

    /// <summary>Redirects followed to get here.</summary>
    public int Redirects { get; init; }

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="uri"/> with the check's headers, TLS policy
    /// and limits, following redirects unless the check turns that off. A loop or more than
    /// <see cref="MaxRedirects"/> hops throws <see cref="HttpRedirectException"/>.
    /// </summary>
    public static async Task<HttpAnswer> SendAsync(HttpClientProvider clients, PreparedCheck check, Uri uri, string method, CancellationToken cancellationToken)
    {
        var definition = check.Definition;
        var client = clients.Get(new HttpTlsOptions
        {
            SkipCertificateCheck = definition.SkipCertificateCheck,
            CaBundlePath = definition.CaBundle,
            ClientCertificatePath = definition.ClientCertificate,
            ClientKeyPath = definition.ClientKey,
            ClientCertificatePassword = check.ClientCertificatePassword,
        });
        var limits = new HttpLimits { Timeout = definition.Timeout, MaxResponseBytes = definition.MaxResponseBytes };
        var visited = new HashSet<string>(StringComparer.Ordinal) { uri.AbsoluteUri };
        var headers = check.Headers;
        for (var hops = 0; ; hops++)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), uri);
            foreach (var (name, value) in headers)
                request.Headers.TryAddWithoutValidation(name, value);
            var (answer, location) = await HttpExchange.SendAsync(client, request, limits, async (response, body, token) =>
                (await ReadAsync(response, body, uri, clients, token).ConfigureAwait(false), Location(response, uri)),
                cancellationToken, check.DisplayTarget).ConfigureAwait(false);
            if (!definition.FollowRedirects || location is null)
                return hops == 0 ? answer : answer with { FinalUrl = HttpExchange.DisplayTarget(uri), Redirects = hops };

            if (hops == MaxRedirects)
                throw new HttpRedirectException($"stopped after {MaxRedirects} redirects; the last pointed to {HttpExchange.DisplayTarget(location)}");
            if (!visited.Add(location.AbsoluteUri))
                throw new HttpRedirectException($"redirect loop: {HttpExchange.DisplayTarget(location)} was already visited after {hops + 1} redirects");
            // 303, and 301/302 after anything but GET or HEAD, continue with GET, as browsers and Go do.
            if (answer.StatusCode == 303 || answer.StatusCode is 301 or 302 && method is not ("GET" or "HEAD")) method = "GET";
            // Credentials go only to the host they were meant for.
            if (!string.Equals(location.IdnHost, uri.IdnHost, StringComparison.OrdinalIgnoreCase) || location.Port != uri.Port)
                headers = [.. headers.Where(h => !SecretRedactor.IsSensitiveName(h.Key))];
            uri = location;
        }
    }

    /// <summary>The facts every HTTP-based result carries in its Details.</summary>
    public Dictionary<string, object?> BaseDetails()
    {
        var details = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["HttpVersion"] = HttpVersion.ToString(),
            ["ContentLength"] = Body.Length,
        };
        if (MediaType is not null) details["ContentType"] = MediaType;
        if (FinalUrl is not null)
        {
            details["FinalUrl"] = FinalUrl;
            details["Redirects"] = Redirects;
        }
        if (Certificate is not null)
        {
            details["CertificateSubject"] = Certificate.Subject;
            details["CertificateExpiresAt"] = Certificate.NotAfter;
        }
        return details;
    }

    private static async Task<HttpAnswer> ReadAsync(HttpResponseMessage response, Stream stream, Uri uri, HttpClientProvider clients, CancellationToken cancellationToken)
    {
        // Pooled: one buffer per check would be a third of what a check allocates.
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        string body;
        try
        {
            using var kept = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var room = MaxBodyBytes - (int)kept.Length;
                if (room > 0) kept.Write(buffer, 0, Math.Min(read, room));
            }
            body = HttpExchange.Encoding(response).GetString(kept.GetBuffer(), 0, (int)kept.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers)
            headers[name] = string.Join(", ", values);
        foreach (var (name, values) in response.Content.Headers)
            headers[name] = string.Join(", ", values);
        return new HttpAnswer((int)response.StatusCode, response.ReasonPhrase, body, headers, response.Content.Headers.ContentType?.MediaType,
            response.Version, uri.Scheme == Uri.UriSchemeHttps ? clients.GetServerCertificate(uri) : null);
    }

    /// <summary>Where a 301, 302, 303, 307 or 308 points (relative locations resolved); null for any other answer.</summary>
    private static Uri? Location(HttpResponseMessage response, Uri requested)
    {
        if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location) return null;
        var next = location.IsAbsoluteUri ? location : new Uri(requested, location);
        return next.Scheme is "http" or "https" ? next : null;
    }
}

/// <summary>Redirects went in a loop or past <see cref="HttpAnswer.MaxRedirects"/>: the check fails with this reason.</summary>
internal sealed class HttpRedirectException(string message) : HttpRequestException(message);
