namespace OpsAutomation.Models.Metrics;

/// <summary>One sample line of a scraped exposition, with the metadata of the family it belongs to.</summary>
public sealed record MetricSample
{
    /// <summary>The sample's own name, such as http_request_duration_seconds_bucket.</summary>
    public required string Name { get; init; }

    /// <summary>The sample's labels, unescaped.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>The value; NaN and infinities as written.</summary>
    public required double Value { get; init; }

    /// <summary>The timestamp the exposition gave the sample, if any.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The family the sample belongs to, such as http_request_duration_seconds.</summary>
    public required string Family { get; init; }

    /// <summary>The family's declared type; Unknown without a TYPE line.</summary>
    public MetricType Type { get; init; }

    /// <summary>The family's HELP text, unescaped.</summary>
    public string? Help { get; init; }

    /// <summary>The family's UNIT (OpenMetrics only).</summary>
    public string? Unit { get; init; }

    /// <summary>The URI that was scraped, without user info and with secret query values (token=, password=...) masked.</summary>
    public Uri? Source { get; init; }

    /// <summary>When the scrape was taken.</summary>
    public DateTimeOffset ScrapedAt { get; init; }
}
