using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>The gates of one validation, and the Prometheus their metric gates query.</summary>
public sealed record ValidationPlan
{
    public IReadOnlyList<HealthGate> HealthGates { get; init; } = [];

    public IReadOnlyList<MetricGate> MetricGates { get; init; } = [];

    /// <summary>The Prometheus server of the metric gates; required when there are any.</summary>
    public Uri? PrometheusUri { get; init; }
}
