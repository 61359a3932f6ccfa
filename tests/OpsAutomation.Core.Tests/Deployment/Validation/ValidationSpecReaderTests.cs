using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Validation;

/// <summary>The Validation section of a deployment spec: gates bound from a file, bad values named by their key.</summary>
public sealed class ValidationSpecReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private ValidationPlan Read(string yaml)
    {
        var path = _directory.File("deploy.yml", yaml);
        var files = new ConfigurationFileReader();
        var root = new ConfigurationMap(files.ReadMap(path), path, "");
        var reader = new ValidationSpecReader(files, new OpsSettings { StatePath = _directory.Path }, _directory.Path);
        return reader.Read(root.GetMap("Validation")!);
    }

    [Fact]
    public void A_spec_binds_health_and_metric_gates_with_their_defaults()
    {
        _directory.File("services.yml", "Services:\n  - Name: api\n    Uri: http://127.0.0.1:8080/healthz\n  - Name: worker\n    Uri: http://127.0.0.1:8081/healthz\n");

        var plan = Read("""
            Validation:
              PrometheusUri: http://127.0.0.1:9090
              HealthGates:
                - Uri: http://127.0.0.1:30080/
                  Catalog: services.yml
                  Services: [ 'w*' ]
                  Check: { TimeoutSec: 2 }
                  SuccessCount: 5
                  IntervalSec: 2
              MetricGates:
                - Name: error-ratio
                  Query: sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))
                  Threshold: '< 0.05'
                  FailureLimit: 1
                  NoData: Inconclusive
                  Reduce: Each
            """);

        var health = Assert.Single(plan.HealthGates);
        Assert.Equal(("health", 5, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5), 0), (health.Name, health.SuccessCount, health.Interval, health.Window, health.FailureLimit));
        Assert.Equal(["http://127.0.0.1:30080/", "worker"], health.Checks.Select(c => c.Name));
        Assert.All(health.Checks, c => Assert.Equal(TimeSpan.FromSeconds(2), c.Timeout));
        var metric = Assert.Single(plan.MetricGates);
        Assert.Equal((GateComparison.LessThan, 0.05, 5, TimeSpan.FromSeconds(30), 1, NoDataPolicy.Inconclusive, SeriesReduction.Each),
            (metric.Comparison, metric.Threshold, metric.Count, metric.Interval, metric.FailureLimit, metric.NoData, metric.Reduce));
        Assert.Equal(new Uri("http://127.0.0.1:9090"), plan.PrometheusUri);
    }

    [Theory]
    [InlineData("Threshold: '0.05'", "MetricGates[0].Threshold", "'0.05' is not a condition; write an operator (<, <=, >, >=) and a number, such as '< 0.05'")]
    [InlineData("Threshold: '< fast'", "MetricGates[0].Threshold", "is not a condition")]
    [InlineData("NoData: Ignore", "MetricGates[0].NoData", "unknown NoData policy 'Ignore'; use one of Fail, Inconclusive, Pass")]
    [InlineData("Reduce: Median", "MetricGates[0].Reduce", "unknown reduction 'Median'")]
    [InlineData("FailureLimit: 5", "MetricGates[0].FailureLimit", "5 tolerates all 5 evaluations, so the gate could never fail")]
    [InlineData("ErrorLimit: 7\n      Count: 7", "MetricGates[0].ErrorLimit", "could pass without one")]
    [InlineData("Count: 0", "MetricGates[0].Count", "0 is out of range")]
    [InlineData("IntervalSec: fast", "MetricGates[0].IntervalSec", "must be a number, not 'fast'")]
    [InlineData("Treshold: '< 1'", "MetricGates[0].Treshold", "unknown key")]
    public void A_bad_metric_gate_value_names_the_file_and_the_key(string line, string key, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(
            $"Validation:\n  PrometheusUri: http://127.0.0.1:9090\n  MetricGates:\n    - Name: g\n      Query: up\n      Threshold: '> 0'\n      {line}\n".Replace("      Threshold: '> 0'\n      Threshold", "      Threshold", StringComparison.Ordinal)));

        Assert.Equal("Validation." + key, error.Key);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("deploy.yml", error.Origin, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MetricGates:\n    - { Name: g, Query: up, Threshold: '> 0' }\n", "PrometheusUri", "metric gates (g) need the Prometheus to query: give PrometheusUri")]
    [InlineData("PrometheusUri: prometheus:9090\n", "PrometheusUri", "'prometheus:9090' is not an absolute http(s) URL")]
    [InlineData("HealthGates: []\n", "HealthGates", "no gates")]
    [InlineData("HealthGates:\n    - { SuccessCount: 3 }\n", "HealthGates[0].Uri", "a health gate needs checks")]
    [InlineData("HealthGates:\n    - { Uri: 'ftp://x', SuccessCount: 3 }\n", "HealthGates[0].Uri", "'ftp://x'")]
    [InlineData("HealthGates:\n    - { Uri: 'http://127.0.0.1:1/', SuccessCount: 11, IntervalSec: 30, WindowSec: 60 }\n", "HealthGates[0].WindowSec", "so the gate could never pass")]
    [InlineData("HealthGates:\n    - { Uri: 'http://127.0.0.1:1/', Services: [api] }\n", "HealthGates[0].Services", "give Catalog too")]
    [InlineData("HealthGates:\n    - { Uri: 'http://127.0.0.1:1/', Name: g }\n  MetricGates:\n    - { Name: g, Query: up, Threshold: '> 0' }\n  PrometheusUri: http://127.0.0.1:9090\n",
        "HealthGates", "two gates are named 'g'")]
    public void A_bad_section_names_the_key(string section, string key, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("Validation:\n  " + section));

        Assert.Equal("Validation." + key, error.Key);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
