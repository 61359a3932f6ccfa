namespace OpsAutomation.Core.Http;

/// <summary>
/// The bounds of one HTTP exchange: one deadline for all of it (connect, request, headers and
/// the whole body) and the most body bytes read. Every outbound call has both.
/// </summary>
public sealed record HttpLimits
{
    public const long MiB = 1024 * 1024;

    /// <summary>Ten seconds: the default deadline of every call that sets none.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>JSON APIs (Pushgateway, Prometheus queries, notifiers, OpenLineage) and health checks: 10 s, 16 MiB.</summary>
    public static HttpLimits Api { get; } = new();

    /// <summary>/metrics scrapes: 10 s, 64 MiB (Prometheus's own scrapes have no body limit by default; 64 MiB is far above real expositions).</summary>
    public static HttpLimits Scrape { get; } = new() { MaxResponseBytes = 64 * MiB };

    /// <summary>The deadline of the whole exchange. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>The most response body bytes read; more is <see cref="HttpResponseTooLargeException"/>. Default 16 MiB.</summary>
    public long MaxResponseBytes { get; init; } = 16 * MiB;
}
