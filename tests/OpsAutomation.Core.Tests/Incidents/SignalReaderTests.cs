using OpsAutomation.Core.Incidents;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Incidents;

public sealed class SignalReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static HealthCheckResult Health(HealthStatus status, HealthSeverity severity = HealthSeverity.Critical) => new()
    {
        Name = "Checkout", Kind = HealthCheckKind.Http, Target = "http://127.0.0.1:1/", Status = status, RunId = "run-1", Timestamp = Now,
        Severity = severity, StatusCode = status == HealthStatus.Healthy ? 200 : 503,
    };

    [Theory]
    [InlineData(HealthStatus.Healthy, false, HealthSeverity.Critical)]
    [InlineData(HealthStatus.Degraded, true, HealthSeverity.Warning)]
    [InlineData(HealthStatus.Unhealthy, true, HealthSeverity.Critical)]
    [InlineData(HealthStatus.Unreachable, true, HealthSeverity.Critical)]
    [InlineData(HealthStatus.CircuitOpen, true, HealthSeverity.Critical)]
    public void Health_results_fire_unless_healthy_and_degraded_is_at_most_a_warning(HealthStatus status, bool firing, HealthSeverity severity)
    {
        var signal = SignalReader.Read(Health(status))!;
        Assert.Equal(("health:checkout", "Checkout", firing, severity, IncidentSignalKind.Health, "run-1"),
            (signal.Fingerprint, signal.Service, signal.Firing, signal.Severity, signal.Kind, signal.RunId));
    }

    [Theory]
    [InlineData(AlertState.Firing, true)]
    [InlineData(AlertState.Resolved, false)]
    [InlineData(AlertState.Inactive, false)]
    public void A_health_alert_shares_the_fingerprint_of_its_service(AlertState state, bool firing)
    {
        var signal = SignalReader.Read(new HealthAlert { Name = "checkout", State = state, DedupKey = "k", Timestamp = Now, Severity = HealthSeverity.Error })!;
        Assert.Equal(("health:checkout", firing, IncidentSignalKind.HealthAlert), (signal.Fingerprint, signal.Firing, signal.Kind));
    }

    [Fact]
    public void A_rule_alert_fingerprint_sorts_labels_and_drops_alertname_and_its_service_comes_from_labels()
    {
        RuleAlert Alert(RuleAlertState state, Dictionary<string, string> labels) => new()
        {
            AlertName = "HighErrorRate", Group = "g", File = "rules.yml", Expression = "x > 1", State = state, Labels = labels, Timestamp = Now,
            Annotations = new Dictionary<string, string> { ["summary"] = "5% errors" },
        };
        var a = SignalReader.Read(Alert(RuleAlertState.Firing, new() { ["service"] = "checkout", ["alertname"] = "HighErrorRate", ["severity"] = "critical", ["a"] = "x\"y" }))!;
        var b = SignalReader.Read(Alert(RuleAlertState.Inactive, new() { ["severity"] = "critical", ["a"] = "x\"y", ["service"] = "checkout" }))!;

        Assert.Equal("rule:HighErrorRate{a=\"x\\\"y\",service=\"checkout\",severity=\"critical\"}", a.Fingerprint);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.Equal(("checkout", true, HealthSeverity.Critical), (a.Service, a.Firing, a.Severity));
        Assert.False(b.Firing);
        Assert.Contains("5% errors", a.Summary, StringComparison.Ordinal);
        Assert.Null(SignalReader.Read(Alert(RuleAlertState.Pending, [])));
        Assert.Equal("job-a", SignalReader.Read(Alert(RuleAlertState.Firing, new() { ["job"] = "job-a" }))!.Service);
    }

    [Theory]
    [InlineData(DeploymentOutcome.Failed, true)]
    [InlineData(DeploymentOutcome.RolledBack, true)]
    [InlineData(DeploymentOutcome.Succeeded, false)]
    public void Deployments_fire_when_failed_or_rolled_back(DeploymentOutcome outcome, bool firing)
    {
        var signal = SignalReader.Read(new DeploymentResult
        {
            Id = "d-1", Name = "Web", Namespace = "Shop", Strategy = DeploymentStrategyKind.RollingUpdate, Outcome = outcome, Reason = "pods crash",
            StartTime = Now, Duration = TimeSpan.FromMinutes(2), RevisionBefore = 3, RevisionAfter = 4,
        })!;
        Assert.Equal(("deployment:shop/web", "Web", firing, "d-1"), (signal.Fingerprint, signal.Service, signal.Firing, signal.RunId));
        Assert.Equal(Now.AddMinutes(2), signal.Timestamp);
    }

    [Theory]
    [InlineData(PipelineRunStatus.Failed, true)]
    [InlineData(PipelineRunStatus.Succeeded, false)]
    [InlineData(PipelineRunStatus.CompletedWithRejections, false)]
    public void Pipeline_runs_fire_when_failed(PipelineRunStatus status, bool firing)
    {
        var signal = SignalReader.Read(new PipelineRun { RunId = "p-1", Pipeline = "Orders", Status = status, StartedAt = Now })!;
        Assert.Equal(("pipeline:orders", firing), (signal.Fingerprint, signal.Firing));
    }

    [Fact]
    public void Running_pipelines_and_deployments_in_progress_are_no_signal_yet()
    {
        Assert.Null(SignalReader.Read(new PipelineRun { RunId = "p", Pipeline = "o", Status = PipelineRunStatus.Running, StartedAt = Now }));
        Assert.Null(SignalReader.Read(new DeploymentResult
        {
            Id = "d", Name = "w", Namespace = "n", Strategy = DeploymentStrategyKind.RollingUpdate, Outcome = DeploymentOutcome.InProgress, Reason = "", StartTime = Now, Duration = TimeSpan.Zero,
        }));
    }

    [Fact]
    public void An_anomaly_fires_under_its_series()
    {
        var signal = SignalReader.Read(new MetricAnomaly
        {
            Series = "http_errors{service=\"checkout\"}", Metric = "http_errors", Service = "checkout", Detector = AnomalyDetector.RobustZScore,
            Direction = AnomalyDirection.Above, Start = Now, End = Now.AddMinutes(5), Value = 50, Baseline = 2, Score = 9.5, Window = TimeSpan.FromHours(1), Timestamp = Now,
        })!;
        Assert.Equal(("anomaly:http_errors{service=\"checkout\"}", "checkout", true), (signal.Fingerprint, signal.Service, signal.Firing));
    }

    [Fact]
    public void Anything_else_is_an_error_naming_its_type()
    {
        var error = Assert.Throws<ArgumentException>(() => SignalReader.Read("text"));
        Assert.Contains("System.String", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Objects_known_by_their_properties_read_as_the_type_they_came_from()
    {
        var health = SignalReader.FromProperties(new Dictionary<string, object?>
        {
            ["Name"] = "checkout", ["Status"] = "Unhealthy", ["Target"] = "http://x/", ["Kind"] = "Http", ["Severity"] = "Critical", ["Timestamp"] = Now.UtcDateTime,
        }, "pipeline input")!;
        Assert.Equal(("health:checkout", true, HealthSeverity.Critical, Now), (health.Fingerprint, health.Firing, health.Severity, health.Timestamp));

        var rule = SignalReader.FromProperties(new Dictionary<string, object?>
        {
            ["AlertName"] = "Down", ["State"] = "Firing", ["Labels"] = new System.Collections.Hashtable { ["job"] = "api" },
        }, "pipeline input")!;
        Assert.Equal(("rule:Down{job=\"api\"}", "api"), (rule.Fingerprint, rule.Service));

        var deployment = SignalReader.FromProperties(new Dictionary<string, object?> { ["Name"] = "web", ["Namespace"] = "shop", ["Outcome"] = 3 }, "x")!;
        Assert.Equal(("deployment:shop/web", true), (deployment.Fingerprint, deployment.Firing));

        var error = Assert.Throws<ArgumentException>(() => SignalReader.FromProperties(new Dictionary<string, object?> { ["Name"] = "a", ["Status"] = "Sideways", ["Target"] = "t" }, "pipeline input 3"));
        Assert.Contains("'Status'", error.Message, StringComparison.Ordinal);
        Assert.Contains("pipeline input 3", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SignalReader.FromProperties(new Dictionary<string, object?> { ["Foo"] = 1 }, "x"));
    }

    [Fact]
    public void A_manual_signal_is_firing_with_a_stable_fingerprint()
    {
        var signal = SignalReader.Manual(" Checkout slow ", "Checkout", HealthSeverity.Error, Now);
        Assert.Equal(("manual:checkout/checkout slow", "Checkout slow", true), (signal.Fingerprint, signal.Summary, signal.Firing));
    }
}
