namespace OpsAutomation.Models.Incidents;

/// <summary>The test that found an anomaly.</summary>
public enum AnomalyDetector
{
    /// <summary>Distance from the window's median in robust standard deviations (MAD x 1.4826).</summary>
    RobustZScore,

    /// <summary>Distance from the same time of day and week in earlier periods.</summary>
    Seasonal,

    /// <summary>A lasting change of level: the medians before and after a point differ.</summary>
    LevelShift,
}

/// <summary>Which way a value left its baseline.</summary>
public enum AnomalyDirection
{
    /// <summary>Higher than the baseline.</summary>
    Above,

    /// <summary>Lower than the baseline.</summary>
    Below,
}

/// <summary>
/// One anomaly in a metric series, explained: the value against its baseline, by how much, the
/// score the detector gave it, and the window it was judged in. A run of anomalous points is one
/// anomaly from <see cref="Start"/> to <see cref="End"/>.
/// </summary>
public sealed record MetricAnomaly
{
    /// <summary>The series as Prometheus writes it: <c>name{label="value",...}</c>.</summary>
    public required string Series { get; init; }

    /// <summary>The metric's name.</summary>
    public required string Metric { get; init; }

    /// <summary>The series' labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The service it belongs to (the service label, or what the caller names); null when unknown.</summary>
    public string? Service { get; init; }

    /// <summary>The test that found it.</summary>
    public required AnomalyDetector Detector { get; init; }

    /// <summary>Which way it left the baseline.</summary>
    public required AnomalyDirection Direction { get; init; }

    /// <summary>The first anomalous sample's time.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>The last anomalous sample's time.</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>The most extreme value in the anomaly.</summary>
    public required double Value { get; init; }

    /// <summary>What the detector expected there (median, seasonal median, or the level before the shift).</summary>
    public required double Baseline { get; init; }

    /// <summary>Value minus baseline.</summary>
    public double Deviation => Value - Baseline;

    /// <summary>The detector's score (robust z for RobustZScore and Seasonal, the shift in robust deviations for LevelShift).</summary>
    public required double Score { get; init; }

    /// <summary>The history the baseline was computed from.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>From start to end.</summary>
    public TimeSpan Duration => End - Start;

    /// <summary>When it was found.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Series}: {Value:G6} vs baseline {Baseline:G6} ({Detector}, score {Score:F1})";
}
