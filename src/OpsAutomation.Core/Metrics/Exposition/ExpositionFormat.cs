using System.Net.Http.Headers;

namespace OpsAutomation.Core.Metrics.Exposition;

/// <summary>The two text formats a /metrics endpoint may answer in.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (text/plain).</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0 text (application/openmetrics-text).</summary>
    OpenMetrics,
}

/// <summary>Content negotiation: what a scrape asks for and how the answer's Content-Type is read.</summary>
public static class ExpositionContentType
{
    /// <summary>Prefers OpenMetrics and accepts 0.0.4, as Prometheus itself asks.</summary>
    public const string Accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

    /// <summary>The format of a response; text/plain or no Content-Type is 0.0.4, anything else is not an exposition (null).</summary>
    public static ExpositionFormat? FromMediaType(MediaTypeHeaderValue? contentType) => contentType?.MediaType?.ToLowerInvariant() switch
    {
        null or "text/plain" => ExpositionFormat.PrometheusText,
        "application/openmetrics-text" => ExpositionFormat.OpenMetrics,
        _ => null,
    };
}
