namespace OpsAutomation.Models.Metrics;

/// <summary>The per-second rate of one counter series between two scrapes.</summary>
public sealed record MetricRate
{
    /// <summary>The counter sample's name, such as http_requests_total.</summary>
    public required string Name { get; init; }

    /// <summary>The series' labels.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>The counter family.</summary>
    public required string Family { get; init; }

    /// <summary>Increase per second over <see cref="Interval"/>.</summary>
    public required double Rate { get; init; }

    /// <summary>How much the counter grew; after a reset, the value since the reset is added as Prometheus does.</summary>
    public required double Increase { get; init; }

    /// <summary>The time between the two scrapes (or the samples' own timestamps).</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>The counter went down between the scrapes: the process restarted.</summary>
    public bool CounterReset { get; init; }

    /// <summary>The URI that was scraped.</summary>
    public Uri? Source { get; init; }

    /// <summary>When the second scrape was taken.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
