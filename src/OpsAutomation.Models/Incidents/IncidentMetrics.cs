namespace OpsAutomation.Models.Incidents;

/// <summary>
/// How incidents went over a window (Measure-Incident): how many opened and resolved, how many are
/// open now by severity, and the mean and median times to detect, acknowledge, mitigate and resolve
/// of the incidents opened in the window. A time is null when no incident of the window reached that point.
/// </summary>
public sealed record IncidentMetrics
{
    /// <summary>The start of the window: incidents opened at or after it are measured.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>The end of the window: when it was measured.</summary>
    public required DateTimeOffset Until { get; init; }

    /// <summary>Only incidents of this service; null for all.</summary>
    public string? Service { get; init; }

    /// <summary>Incidents opened in the window.</summary>
    public int Opened { get; init; }

    /// <summary>Of those, how many are resolved.</summary>
    public int Resolved { get; init; }

    /// <summary>Of those, how many reopened at least once.</summary>
    public int Reopened { get; init; }

    /// <summary>Incidents open now, whenever they opened.</summary>
    public int Open { get; init; }

    /// <summary>Incidents open now by severity (Info, Warning, Error, Critical; each present, 0 when none).</summary>
    public IReadOnlyDictionary<string, int> OpenBySeverity { get; init; } = new Dictionary<string, int>();

    /// <summary>Mean time from the first signal to the incident opening.</summary>
    public TimeSpan? MeanTimeToDetect { get; init; }

    /// <summary>Median time from the first signal to the incident opening.</summary>
    public TimeSpan? MedianTimeToDetect { get; init; }

    /// <summary>Mean time from opening to the first acknowledgement.</summary>
    public TimeSpan? MeanTimeToAcknowledge { get; init; }

    /// <summary>Median time from opening to the first acknowledgement.</summary>
    public TimeSpan? MedianTimeToAcknowledge { get; init; }

    /// <summary>Mean time from opening to mitigation.</summary>
    public TimeSpan? MeanTimeToMitigate { get; init; }

    /// <summary>Median time from opening to mitigation.</summary>
    public TimeSpan? MedianTimeToMitigate { get; init; }

    /// <summary>Mean time from opening to resolution.</summary>
    public TimeSpan? MeanTimeToResolve { get; init; }

    /// <summary>Median time from opening to resolution.</summary>
    public TimeSpan? MedianTimeToResolve { get; init; }

    /// <summary>When it was measured.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
