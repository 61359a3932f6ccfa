using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using Prometheus;

namespace OpsAutomation.Core.Incidents;

/// <summary>
/// Incident metrics over a window: counts, open incidents by severity, and the mean and median of
/// the times to detect (first signal to opening), acknowledge, mitigate and resolve (opening to each).
/// </summary>
public static class IncidentMeasurer
{
    /// <summary>Measures the incidents the store holds of <paramref name="service"/> (all when null) opened since <paramref name="since"/>.</summary>
    public static async Task<IncidentMetrics> MeasureAsync(IncidentStore store, DateTimeOffset since, string? service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var window = new List<Incident>();
        await foreach (var incident in store.ListAsync(new IncidentQuery { Since = since, Service = service }, cancellationToken).ConfigureAwait(false))
            window.Add(Slim(incident));
        var open = new List<Incident>();
        await foreach (var incident in store.ListAsync(new IncidentQuery { Open = true, Service = service }, cancellationToken).ConfigureAwait(false))
            open.Add(Slim(incident));
        return Measure(window, open, since, store.Time.GetUtcNow(), service);
    }

    /// <summary>The metrics of <paramref name="window"/> (incidents opened in it) and <paramref name="open"/> (open now).</summary>
    public static IncidentMetrics Measure(IReadOnlyCollection<Incident> window, IReadOnlyCollection<Incident> open, DateTimeOffset since, DateTimeOffset until, string? service)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(open);
        var times = window.Select(IncidentTimes.Of).ToList();
        var detect = times.Select(t => t.Detect).ToList();
        var acknowledge = times.Where(t => t.Acknowledge is not null).Select(t => t.Acknowledge!.Value).ToList();
        var mitigate = times.Where(t => t.Mitigate is not null).Select(t => t.Mitigate!.Value).ToList();
        var resolve = times.Where(t => t.Resolve is not null).Select(t => t.Resolve!.Value).ToList();
        return new IncidentMetrics
        {
            Since = since,
            Until = until,
            Service = service,
            Opened = window.Count,
            Resolved = window.Count(i => i.State == IncidentState.Resolved),
            Reopened = window.Count(i => i.Reopened > 0),
            Open = open.Count,
            OpenBySeverity = Enum.GetValues<HealthSeverity>().ToDictionary(s => s.ToString(), s => open.Count(i => i.Severity == s), StringComparer.OrdinalIgnoreCase),
            MeanTimeToDetect = Mean(detect),
            MedianTimeToDetect = Median(detect),
            MeanTimeToAcknowledge = Mean(acknowledge),
            MedianTimeToAcknowledge = Median(acknowledge),
            MeanTimeToMitigate = Mean(mitigate),
            MedianTimeToMitigate = Median(mitigate),
            MeanTimeToResolve = Mean(resolve),
            MedianTimeToResolve = Median(resolve),
            Timestamp = until,
        };
    }

    internal static TimeSpan? Mean(List<TimeSpan> values) =>
        values.Count == 0 ? null : TimeSpan.FromTicks((long)values.Average(v => (double)v.Ticks));

    internal static TimeSpan? Median(List<TimeSpan> values)
    {
        if (values.Count == 0) return null;
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : TimeSpan.FromTicks((values[middle - 1].Ticks + values[middle].Ticks) / 2);
    }

    /// <summary>Only what the measures read: the signals and timeline of many incidents need not stay in memory.</summary>
    private static Incident Slim(Incident incident) => incident with { Signals = [], Timeline = [] };
}

/// <summary>
/// The incident metrics of the module's registry, set by each Measure-Incident and exposed by
/// Export-MetricTextFile, Publish-Metric and Start-MetricsServer:
/// <c>ops_incidents_open{severity}</c>, <c>ops_incidents_opened{service}</c>, <c>ops_incidents_resolved{service}</c>
/// (in the window), and <c>ops_incident_time_to_{detect,acknowledge,mitigate,resolve}_seconds{statistic="mean|median"}</c>,
/// plus <c>ops_incident_window_seconds</c>. The service label is "" when all services were measured.
/// </summary>
public sealed class IncidentPrometheusMetrics
{
    private readonly Gauge _open;
    private readonly Gauge _opened;
    private readonly Gauge _resolved;
    private readonly Gauge _window;
    private readonly (Gauge Gauge, Func<IncidentMetrics, TimeSpan?> Mean, Func<IncidentMetrics, TimeSpan?> Median)[] _times;

    public IncidentPrometheusMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _open = factory.CreateGauge("ops_incidents_open", "Incidents open now (not resolved), by severity.",
            new GaugeConfiguration { LabelNames = ["service", "severity"] });
        _opened = factory.CreateGauge("ops_incidents_opened", "Incidents opened in the measured window.", new GaugeConfiguration { LabelNames = ["service"] });
        _resolved = factory.CreateGauge("ops_incidents_resolved", "Incidents opened in the measured window and resolved since.", new GaugeConfiguration { LabelNames = ["service"] });
        _window = factory.CreateGauge("ops_incident_window_seconds", "The length of the window the incident metrics measure.", new GaugeConfiguration { LabelNames = ["service"] });
        Gauge Time(string what, string help) => factory.CreateGauge($"ops_incident_time_to_{what}_seconds", help,
            new GaugeConfiguration { LabelNames = ["service", "statistic"] });
        _times =
        [
            (Time("detect", "Time from an incident's first signal to its opening, over the incidents of the window."), m => m.MeanTimeToDetect, m => m.MedianTimeToDetect),
            (Time("acknowledge", "Time from an incident's opening to its first acknowledgement, over the incidents of the window."), m => m.MeanTimeToAcknowledge, m => m.MedianTimeToAcknowledge),
            (Time("mitigate", "Time from an incident's opening to its mitigation, over the incidents of the window."), m => m.MeanTimeToMitigate, m => m.MedianTimeToMitigate),
            (Time("resolve", "Time from an incident's opening to its resolution, over the incidents of the window."), m => m.MeanTimeToResolve, m => m.MedianTimeToResolve),
        ];
    }

    public void Record(IncidentMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var service = metrics.Service ?? "";
        foreach (var (severity, count) in metrics.OpenBySeverity) _open.WithLabels(service, severity.ToLowerInvariant()).Set(count);
        _opened.WithLabels(service).Set(metrics.Opened);
        _resolved.WithLabels(service).Set(metrics.Resolved);
        _window.WithLabels(service).Set((metrics.Until - metrics.Since).TotalSeconds);
        foreach (var (gauge, mean, median) in _times)
        {
            Set(gauge.WithLabels(service, "mean"), mean(metrics));
            Set(gauge.WithLabels(service, "median"), median(metrics));
        }

        // A time no incident reached is no sample rather than a misleading 0.
        static void Set(Gauge.Child child, TimeSpan? value)
        {
            if (value is { } v) child.Set(v.TotalSeconds);
            else child.Remove();
        }
    }
}
