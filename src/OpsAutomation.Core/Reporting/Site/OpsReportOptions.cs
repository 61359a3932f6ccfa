namespace OpsAutomation.Core.Reporting.Site;

/// <summary>What Export-OpsReport writes and from how much of the state store.</summary>
public sealed record OpsReportOptions
{
    /// <summary>The most runs, records or incidents a section may show.</summary>
    public const int MaxLast = 200;

    /// <summary>The folder the pages go to; created when missing.</summary>
    public required string Folder { get; init; }

    /// <summary>The site's heading. Default "Operations".</summary>
    public string Title { get; init; } = "Operations";

    /// <summary>The span trends and timelines cover, ending now. Default 24 hours.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How many deployments, incidents and runs of each pipeline a section shows, newest first. Default 10, at most <see cref="MaxLast"/>.</summary>
    public int Last { get; init; } = 10;

    /// <summary>Metrics endpoints to link to (a /metrics server, a Pushgateway, Prometheus); http or https, without credentials.</summary>
    public IReadOnlyList<Uri> MetricsUri { get; init; } = [];

    /// <summary>Throws ArgumentException naming the first value that cannot be used.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Folder)) throw new ArgumentException("The report needs a folder to write to.", nameof(Folder));
        if (string.IsNullOrWhiteSpace(Title)) throw new ArgumentException("The report's title is empty.", nameof(Title));
        if (Window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Window), Window, "The window is a positive span of time, such as 24h.");
        if (Last is < 1 or > MaxLast) throw new ArgumentOutOfRangeException(nameof(Last), Last, $"Last is from 1 to {MaxLast}.");
        foreach (var uri in MetricsUri)
        {
            if (uri is null || !uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"The metrics endpoint '{uri}' is not an absolute http or https URL.", nameof(MetricsUri));
            // The page is published: a link must not carry what opens the endpoint.
            if (uri.UserInfo.Length > 0 || Logging.SecretRedactor.RedactPatterns(uri.OriginalString) != uri.OriginalString)
                throw new ArgumentException($"The metrics endpoint '{Logging.SecretRedactor.RedactPatterns(uri.OriginalString)}' carries a credential (user info or a secret query value); give it without one.", nameof(MetricsUri));
        }
    }
}
