using OpsAutomation.Models.Health;
using Prometheus;

namespace OpsAutomation.Core.Metrics;

/// <summary>
/// The module's own Prometheus registry (never the process-wide default) and the metrics the
/// capabilities record into it.
/// </summary>
public sealed class OpsMetrics
{
    private static readonly string[] HealthLabels = ["service", "kind"];

    private readonly Histogram _checkDuration;
    private readonly Counter _checks;
    private readonly Gauge _up;
    private readonly Gauge _status;
    private readonly Gauge _circuitOpen;
    private readonly Gauge _certificateExpiry;
    private readonly Gauge _lastCheck;

    public OpsMetrics(TimeProvider? time = null)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Custom = new CustomMetricStore(Registry, time ?? TimeProvider.System);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _checkDuration = factory.CreateHistogram("ops_health_check_duration_seconds", "Duration of the last attempt of a health check.",
            new HistogramConfiguration
            {
                LabelNames = HealthLabels,
                Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
            });
        _checks = factory.CreateCounter("ops_health_checks_total", "Health checks by final outcome.",
            new CounterConfiguration { LabelNames = [.. HealthLabels, "outcome"] });
        _up = factory.CreateGauge("ops_health_up", "1 when the last check was Healthy or Degraded, else 0.",
            new GaugeConfiguration { LabelNames = HealthLabels });
        _status = factory.CreateGauge("ops_health_status", "1 for the service's current status, 0 for the others.",
            new GaugeConfiguration { LabelNames = [.. HealthLabels, "status"] });
        _circuitOpen = factory.CreateGauge("ops_health_circuit_open", "1 while the service's persisted circuit breaker is open and checks are skipped.",
            new GaugeConfiguration { LabelNames = ["service"] });
        _certificateExpiry = factory.CreateGauge("ops_health_certificate_expiry_timestamp_seconds", "Unix time the service's TLS certificate expires.",
            new GaugeConfiguration { LabelNames = ["service"] });
        _lastCheck = factory.CreateGauge("ops_health_last_check_timestamp_seconds", "Unix time of the service's last check.",
            new GaugeConfiguration { LabelNames = HealthLabels });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The metrics users define with New-Metric, in the same registry.</summary>
    public CustomMetricStore Custom { get; }

    /// <summary>The data pipelines' metrics, registered on first use.</summary>
    public Pipelines.PipelineMetrics Pipelines => LazyInitializer.EnsureInitialized(ref _pipelines, () => new Pipelines.PipelineMetrics(Registry));

    private Pipelines.PipelineMetrics? _pipelines;

    /// <summary>The deployment metrics, registered on first use.</summary>
    public Deployment.DeploymentMetrics Deployments => LazyInitializer.EnsureInitialized(ref _deployments, () => new Deployment.DeploymentMetrics(Registry));

    private Deployment.DeploymentMetrics? _deployments;

    /// <summary>The incident metrics (Measure-Incident), registered on first use.</summary>
    public Incidents.IncidentPrometheusMetrics Incidents => LazyInitializer.EnsureInitialized(ref _incidents, () => new Incidents.IncidentPrometheusMetrics(Registry));

    private Incidents.IncidentPrometheusMetrics? _incidents;

    public void RecordHealthCheck(HealthCheckResult result)
    {
        // One lookup per check instead of eleven label lookups: a run of 10,000 services would otherwise spend more here than on its log line.
        var series = _healthSeries.GetOrAdd((result.Name, result.Kind), static (key, metrics) => new HealthSeries(metrics, key.Name, key.Kind), this);
        series.Duration.Observe(result.ResponseTime.TotalSeconds);
        series.Checks(result.Status).Inc();
        series.Up.Set(result.Status is HealthStatus.Healthy or HealthStatus.Degraded ? 1 : 0);
        for (var i = 0; i < Statuses.Length; i++)
            series.Status[i].Set(Statuses[i].Value == result.Status ? 1 : 0);
        var circuitOpen = result.Status == HealthStatus.CircuitOpen || result.Details.TryGetValue("CircuitState", out var state) && Equals(state, "Open");
        series.CircuitOpen.Set(circuitOpen ? 1 : 0);
        if (result.Details.TryGetValue("CertificateExpiresAt", out var expires) && expires is DateTimeOffset notAfter)
            series.CertificateExpiry.Set(notAfter.ToUnixTimeMilliseconds() / 1000.0);
        series.LastCheck.Set(result.Timestamp.ToUnixTimeMilliseconds() / 1000.0);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Name, HealthCheckKind Kind), HealthSeries> _healthSeries = new();

    /// <summary>
    /// One service's children of the health metrics. Those set on every check exist from its first; an outcome's
    /// counter and the certificate expiry only once they happen, so the exposition shows the same series as before.
    /// </summary>
    private sealed class HealthSeries
    {
        private readonly OpsMetrics _metrics;
        private readonly string _name;
        private readonly string _kind;
        private readonly Counter.Child?[] _checks = new Counter.Child?[Statuses.Length];
        private Gauge.Child? _certificateExpiry;

        public HealthSeries(OpsMetrics metrics, string name, HealthCheckKind kind)
        {
            _metrics = metrics;
            _name = name;
            _kind = kind.ToString().ToLowerInvariant();
            Duration = metrics._checkDuration.WithLabels(name, _kind);
            Up = metrics._up.WithLabels(name, _kind);
            Status = [.. Statuses.Select(status => metrics._status.WithLabels(name, _kind, status.Label))];
            CircuitOpen = metrics._circuitOpen.WithLabels(name);
            LastCheck = metrics._lastCheck.WithLabels(name, _kind);
        }

        public Histogram.Child Duration { get; }

        public Gauge.Child Up { get; }

        public Gauge.Child[] Status { get; }

        public Gauge.Child CircuitOpen { get; }

        public Gauge.Child LastCheck { get; }

        public Gauge.Child CertificateExpiry => _certificateExpiry ??= _metrics._certificateExpiry.WithLabels(_name);

        public Counter.Child Checks(HealthStatus status)
        {
            var index = Array.FindIndex(Statuses, s => s.Value == status);
            return _checks[index] ??= _metrics._checks.WithLabels(_name, _kind, Statuses[index].Label);
        }
    }

    private static readonly (HealthStatus Value, string Label)[] Statuses =
        [.. Enum.GetValues<HealthStatus>().Select(s => (s, s.ToString().ToLowerInvariant()))];

    /// <summary>The registry in the Prometheus text exposition format 0.0.4.</summary>
    public async Task<byte[]> ExportTextAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
