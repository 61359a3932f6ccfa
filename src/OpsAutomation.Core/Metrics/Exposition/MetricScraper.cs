using System.Net.Http.Headers;
using System.Text;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Models.Metrics;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>How to scrape: the deadline, retries, TLS policy and credentials of one target.</summary>
public sealed record ScrapeOptions
{
    /// <summary>The limit of one attempt. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a request that failed to connect or timed out (never of an answer, even a malformed one). Default 0.</summary>
    public int RetryCount { get; init; }

    public bool SkipCertificateCheck { get; init; }

    /// <summary>Sent as the Authorization header (Basic or Bearer), already resolved.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }
}

/// <summary>A scrape that did not yield an exposition: unreachable, an error status, or a body that is no exposition.</summary>
public sealed class ScrapeFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Scrapes a /metrics endpoint through the shared HTTP client and resilience pipelines.</summary>
public sealed class MetricScraper(HttpClientProvider http, ResiliencePipelineProvider pipelines, TimeProvider time)
{
    /// <summary>
    /// Every sample of <paramref name="uri"/>'s exposition, parsed as its Content-Type says. All
    /// or nothing, as Prometheus scrapes: a malformed line throws <see cref="ExpositionFormatException"/>,
    /// a failed request <see cref="ScrapeFailedException"/>.
    /// </summary>
    public async Task<IReadOnlyList<MetricSample>> ScrapeAsync(Uri uri, ScrapeOptions options, CancellationToken cancellationToken)
    {
        var resilience = new ResilienceOptions { RetryCount = options.RetryCount, AttemptTimeout = options.Timeout };
        var pipeline = pipelines.Get<HttpResponseMessage>($"scrape:{uri.AbsoluteUri}", resilience,
            outcome => outcome.Exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException);
        HttpResponseMessage response;
        try
        {
            response = await pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.TryAddWithoutValidation("Accept", ExpositionContentType.Accept);
                request.Headers.Authorization = options.Authorization;
                return await http.Get(options.SkipCertificateCheck).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            throw new ScrapeFailedException($"{uri} could not be scraped: {ex.Message}", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new ScrapeFailedException($"{uri} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
            var contentType = response.Content.Headers.ContentType;
            var format = ExpositionContentType.FromMediaType(contentType)
                ?? throw new ScrapeFailedException($"{uri} answered {contentType?.MediaType}, which is not a Prometheus or OpenMetrics text exposition");
            var scrapedAt = time.GetUtcNow();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(body, Encoding.UTF8);
            // All samples are kept until the end, so that a bad line anywhere fails the whole scrape.
            var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            return ExpositionParser.Parse(text, format, uri, scrapedAt);
        }
    }
}
