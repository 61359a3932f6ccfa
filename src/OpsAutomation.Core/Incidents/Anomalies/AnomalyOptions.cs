using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Anomalies;

/// <summary>
/// How <see cref="AnomalyDetection"/> judges a series. Durations left null scale with the series'
/// step (the median time between its samples), so one set of defaults suits one-minute and
/// fifteen-second series alike.
/// </summary>
public sealed record AnomalyOptions
{
    /// <summary>The default <see cref="Sensitivity"/>: a point 4 robust standard deviations from its baseline.</summary>
    public const double DefaultSensitivity = 4.0;

    /// <summary>The default <see cref="Window"/> in samples: an hour of one-minute samples.</summary>
    public const int DefaultWindowSamples = 60;

    /// <summary>The default <see cref="MinDuration"/> in samples.</summary>
    public const int DefaultMinDurationSamples = 3;

    /// <summary>The most earlier periods a seasonal baseline takes its median over (the most recent ones).</summary>
    public const int MaxSeasonPeriods = 4;

    /// <summary>
    /// The score threshold: a point is anomalous when its score (robust z, or the level shift in
    /// robust deviations) is at least this far from zero. Higher finds fewer, larger anomalies.
    /// Default 4.
    /// </summary>
    public double Sensitivity { get; init; } = DefaultSensitivity;

    /// <summary>
    /// The shortest anomaly reported: a run of consecutive anomalous samples (gaps do not break
    /// it, a normal sample or a change of direction does) covering less time than this, counted
    /// as samples times the step, is dropped, so a flap is not an incident. It is also the
    /// least a level shift must last. Null for 3 samples.
    /// </summary>
    public TimeSpan? MinDuration { get; init; }

    /// <summary>The smallest absolute difference from the baseline that counts, in the metric's unit: a wobble below it is never anomalous. Default 0.</summary>
    public double MinChange { get; init; }

    /// <summary>The detectors to run. Default all three. With both Seasonal and RobustZScore, a point that has a seasonal baseline is judged by Seasonal only.</summary>
    public IReadOnlyCollection<AnomalyDetector> Detectors { get; init; } = [AnomalyDetector.RobustZScore, AnomalyDetector.Seasonal, AnomalyDetector.LevelShift];

    /// <summary>
    /// Season periods, shortest first. A point is compared with the same time in earlier periods
    /// of the longest period that has at least one before it. Default a day and a week.
    /// </summary>
    public IReadOnlyList<TimeSpan> Seasons { get; init; } = [TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    /// <summary>
    /// The trailing history a point's median and MAD come from (the robust z-score, and the
    /// residuals of the seasonal baseline), and each side of a level-shift test. Null for 60 samples.
    /// </summary>
    public TimeSpan? Window { get; init; }

    /// <summary>The series' step; null to take the median time between its samples.</summary>
    public TimeSpan? Step { get; init; }

    /// <summary>Anomalies that end before this time are not reported: the points before it are history only. Null reports all.</summary>
    public DateTimeOffset? ReportFrom { get; init; }

    /// <summary>Checks every value; the message names the option.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (!(Sensitivity > 0) || double.IsInfinity(Sensitivity)) throw new ArgumentException($"Sensitivity must be a positive number, not {Sensitivity}.");
        if (MinDuration is { } d && d < TimeSpan.Zero) throw new ArgumentException($"MinDuration must not be negative, not {d}.");
        if (!(MinChange >= 0) || double.IsInfinity(MinChange)) throw new ArgumentException($"MinChange must be zero or a positive number, not {MinChange}.");
        if (Detectors is null || Detectors.Count == 0) throw new ArgumentException("Detectors must name at least one detector.");
        if (Window is { } w && w <= TimeSpan.Zero) throw new ArgumentException($"Window must be positive, not {w}.");
        if (Step is { } s && s <= TimeSpan.Zero) throw new ArgumentException($"Step must be positive, not {s}.");
        foreach (var season in Seasons ?? []) if (season <= TimeSpan.Zero) throw new ArgumentException($"A season must be positive, not {season}.");
    }
}
