using OpsAutomation.Models.Deployment;
using Prometheus;

namespace OpsAutomation.Core.Deployment;

/// <summary>The deployment metrics of the module's registry: deployments by outcome, their duration, the last one.</summary>
public sealed class DeploymentMetrics
{
    private static readonly string[] Labels = ["deployment", "namespace", "strategy"];
    private readonly Counter _deployments;
    private readonly Histogram _duration;
    private readonly Gauge _lastSuccess;

    public DeploymentMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _deployments = factory.CreateCounter("ops_deployments_total", "Deployments by outcome (succeeded, rolledback, failed) and whether they changed anything.",
            new CounterConfiguration { LabelNames = [.. Labels, "outcome", "changed"] });
        _duration = factory.CreateHistogram("ops_deployment_duration_seconds", "Time from the start of a deployment (build included) to its outcome.",
            new HistogramConfiguration { LabelNames = Labels, Buckets = [5, 15, 30, 60, 120, 300, 600, 1200, 3600] });
        _lastSuccess = factory.CreateGauge("ops_deployment_last_success", "1 when the last deployment of the Deployment succeeded, else 0.",
            new GaugeConfiguration { LabelNames = ["deployment", "namespace"] });
    }

    public void Record(DeploymentResult result)
    {
        var strategy = result.Strategy.ToString().ToLowerInvariant();
        _deployments.WithLabels(result.Name, result.Namespace, strategy, result.Outcome.ToString().ToLowerInvariant(), result.Changed ? "true" : "false").Inc();
        _duration.WithLabels(result.Name, result.Namespace, strategy).Observe(result.Duration.TotalSeconds);
        _lastSuccess.WithLabels(result.Name, result.Namespace).Set(result.Outcome == DeploymentOutcome.Succeeded ? 1 : 0);
    }
}
