using System.Text;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Http;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>An HTTP(S) request judged by status code and body pattern.</summary>
internal sealed class HttpHealthProbe : IHealthProbe
{
    /// <summary>Bodies are read to the end (to see a truncated one) but matched on at most this much.</summary>
    internal const int MaxBodyBytes = 1024 * 1024;

    private readonly HttpClientProvider _clients;

    public HttpHealthProbe(HttpClientProvider clients) => _clients = clients;

    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        var definition = check.Definition;
        using var request = new HttpRequestMessage(new HttpMethod(definition.Method), definition.Target);
        foreach (var (name, value) in check.Headers)
            request.Headers.TryAddWithoutValidation(name, value);

        using var response = await _clients.Get(definition.SkipCertificateCheck)
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        var code = (int)response.StatusCode;
        var details = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["HttpVersion"] = response.Version.ToString(),
            ["ContentLength"] = body.Length,
        };
        if (response.Content.Headers.ContentType?.MediaType is { } mediaType) details["ContentType"] = mediaType;

        var expected = definition.ExpectedStatusCodes;
        var statusOk = expected.Count == 0 ? code is >= 200 and < 300 : expected.Contains(code);
        if (!statusOk)
        {
            var wanted = expected.Count == 0 ? "2xx" : string.Join(", ", expected);
            return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.HttpStatus, $"HTTP {code} {response.ReasonPhrase} (expected {wanted})")
            {
                StatusCode = code,
                Details = details,
            };
        }

        if (definition.BodyPattern is { } pattern && !Regex.IsMatch(body, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.Condition, $"the body does not match /{pattern}/")
            {
                StatusCode = code,
                Details = details,
            };
        }

        return ProbeOutcome.Healthy() with { StatusCode = code, Details = details };
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
