using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>Prometheus, Alertmanager and Pushgateway checks against the real services the Test task starts.</summary>
public sealed class PrometheusFamilyProbeTests : IDisposable
{
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(HealthCheckKind.Prometheus, "PROMETHEUS")]
    [InlineData(HealthCheckKind.Alertmanager, "ALERTMANAGER")]
    [InlineData(HealthCheckKind.Pushgateway, "PUSHGATEWAY")]
    public async Task A_running_service_is_healthy_and_ready(HealthCheckKind kind, string service)
    {
        var url = Environment.GetEnvironmentVariable($"OPS_TEST_{service}_URL")
            ?? throw new InvalidOperationException($"OPS_TEST_{service}_URL is not set: run through ./build.ps1 Test, which starts the real {kind}.");
        // Other tests add scrape targets to this shared Prometheus (file_sd) and go away, so how many are
        // down is theirs; a limit of 1 reads the targets without judging them (the ratio rule has its own test).
        var result = Assert.Single(await _harness.RunAsync(new HealthCheckDefinition
        {
            Name = service.ToLowerInvariant(), Kind = kind, Target = url + "/", MaxTargetsDownRatio = kind == HealthCheckKind.Prometheus ? 1 : null,
        }));
        Assert.Equal(HealthStatus.Healthy, result.Status);
        if (kind == HealthCheckKind.Prometheus) Assert.True((int)result.Details["TargetsTotal"]! >= 1);
    }

    [Fact]
    public async Task Too_many_scrape_targets_down_is_degraded()
    {
        const string targets = """
            {"status":"success","data":{"activeTargets":[
              {"health":"up","scrapeUrl":"http://a:9100/metrics"},
              {"health":"down","scrapeUrl":"http://b:9100/metrics","lastError":"connection refused"},
              {"health":"down","scrapeUrl":"http://c:9100/metrics"},
              {"health":"unknown","scrapeUrl":"http://d:9100/metrics"}],"droppedTargets":[]}}
            """;
        await using var prometheus = new FaultServer(respond: n => n switch
        {
            1 => (200, "Prometheus Server is Healthy."),
            2 => (200, "Prometheus Server is Ready."),
            _ => (200, targets),
        }, contentType: "application/json");
        var result = Assert.Single(await _harness.RunAsync(new HealthCheckDefinition
        {
            Name = "prometheus", Kind = HealthCheckKind.Prometheus, Target = $"http://127.0.0.1:{prometheus.Port}/", MaxTargetsDownRatio = 0.25,
        }));
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("2 of 4 scrape targets down (50%, over the 25% limit)", result.Error);
        Assert.Contains("http://b:9100/metrics", (string)result.Details["DownTargets"]!);
    }

    [Fact]
    public async Task A_service_that_is_not_ready_yet_is_unhealthy_with_its_answer()
    {
        await using var starting = new FaultServer(respond: n => n == 1 ? (200, "Healthy") : (503, "Service Unavailable"));
        var result = Assert.Single(await _harness.RunAsync(new HealthCheckDefinition
        {
            Name = "alertmanager", Kind = HealthCheckKind.Alertmanager, Target = $"http://127.0.0.1:{starting.Port}/",
        }));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith("/-/ready: HTTP 503", result.Error);
    }
}
