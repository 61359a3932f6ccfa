using System.Net.Http.Headers;
using System.Text;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Models.Metrics;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>How to scrape: the deadline, size limit, retries, TLS policy and credentials of one target.</summary>
public sealed record ScrapeOptions
{
    /// <summary>The deadline of one attempt, the whole body included. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest exposition read; a larger one fails the scrape. Default 64 MiB.</summary>
    public long MaxResponseBytes { get; init; } = HttpLimits.Scrape.MaxResponseBytes;

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
    /// a failed request <see cref="ScrapeFailedException"/>. Errors name the URI with its secrets masked.
    /// </summary>
    public async Task<IReadOnlyList<MetricSample>> ScrapeAsync(Uri uri, ScrapeOptions options, CancellationToken cancellationToken)
    {
        var display = HttpExchange.DisplayTarget(uri);
        var limits = new HttpLimits { Timeout = options.Timeout, MaxResponseBytes = options.MaxResponseBytes };
        // Each attempt is bounded by the exchange's own deadline, which covers the body as well.
        var resilience = new ResilienceOptions { RetryCount = options.RetryCount };
        var pipeline = pipelines.Get<(ExpositionFormat Format, string Text, DateTimeOffset ScrapedAt)>($"scrape:{uri.AbsoluteUri}", resilience,
            outcome => outcome.Exception is HttpRequestException and not HttpResponseTooLargeException);
        (ExpositionFormat Format, string Text, DateTimeOffset ScrapedAt) scraped;
        try
        {
            scraped = await pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.TryAddWithoutValidation("Accept", ExpositionContentType.Accept);
                request.Headers.Authorization = options.Authorization;
                return await HttpExchange.SendAsync(http.Get(options.SkipCertificateCheck), request, limits, async (response, body, deadline) =>
                {
                    if (!response.IsSuccessStatusCode)
                        throw new ScrapeFailedException($"{display} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
                    var contentType = response.Content.Headers.ContentType;
                    var format = ExpositionContentType.FromMediaType(contentType)
                        ?? throw new ScrapeFailedException($"{display} answered {contentType?.MediaType}, which is not a Prometheus or OpenMetrics text exposition");
                    var scrapedAt = time.GetUtcNow();
                    // All samples are kept until the end, so that a bad line anywhere fails the whole scrape.
                    using var reader = new StreamReader(body, Encoding.UTF8);
                    return (format, await reader.ReadToEndAsync(deadline).ConfigureAwait(false), scrapedAt);
                }, token, display).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex is HttpTimeoutException or HttpResponseTooLargeException)
        {
            // These name the target and the limit themselves.
            throw new ScrapeFailedException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            throw new ScrapeFailedException($"{display} could not be scraped: {SecretRedactor.RedactPatterns(ex.Message)}", ex);
        }
        // Samples end up in reports and exported files: their Source holds no credentials.
        return ExpositionParser.Parse(scraped.Text, scraped.Format, HttpExchange.SafeUri(uri), scraped.ScrapedAt);
    }
}
