using System.Text;
using OpsAutomation.Core.Http;

namespace OpsAutomation.Core.Health;

/// <summary>One HTTP response as the probes judge it: status, headers, the body read to its end, the server certificate.</summary>
internal sealed record HttpAnswer(int StatusCode, string? ReasonPhrase, string Body, IReadOnlyDictionary<string, string> Headers, string? MediaType,
    Version HttpVersion, ServerCertificate? Certificate)
{
    /// <summary>Bodies are read to the end (to see a truncated one) but kept up to this much.</summary>
    internal const int MaxBodyBytes = 1024 * 1024;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public string StatusText => $"HTTP {StatusCode} {ReasonPhrase}".TrimEnd();

    /// <summary>Sends <paramref name="method"/> <paramref name="uri"/> with the check's headers and TLS policy.</summary>
    public static async Task<HttpAnswer> SendAsync(HttpClientProvider clients, PreparedCheck check, Uri uri, string method, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        foreach (var (name, value) in check.Headers)
            request.Headers.TryAddWithoutValidation(name, value);

        using var response = await clients.Get(check.Definition.SkipCertificateCheck)
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            headers[name] = string.Join(", ", values);
        return new HttpAnswer((int)response.StatusCode, response.ReasonPhrase, body, headers, response.Content.Headers.ContentType?.MediaType,
            response.Version, uri.Scheme == Uri.UriSchemeHttps ? clients.GetServerCertificate(uri) : null);
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
        if (Certificate is not null)
        {
            details["CertificateSubject"] = Certificate.Subject;
            details["CertificateExpiresAt"] = Certificate.NotAfter;
        }
        return details;
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        using var kept = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var room = MaxBodyBytes - (int)kept.Length;
            if (room > 0) kept.Write(buffer, 0, Math.Min(read, room));
        }
        var charset = response.Content.Headers.ContentType?.CharSet;
        var encoding = Encoding.UTF8;
        if (charset is not null)
        {
            try { encoding = Encoding.GetEncoding(charset.Trim('"')); }
            catch (ArgumentException) { /* an unknown charset reads as UTF-8, as browsers do */ }
        }
        return encoding.GetString(kept.GetBuffer(), 0, (int)kept.Length);
    }
}
