using System.Text.Json;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.TestServers;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>Service-aware checks against the stand-ins: each service state and each broken answer gives the right Status and reason.</summary>
public sealed class ServiceProbeTests : IDisposable
{
    private const string Password = "s3cr3t-Pa55word!";
    private const string ApiKey = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData("green", false, HealthStatus.Healthy, HealthErrorKind.None)]
    [InlineData("yellow", false, HealthStatus.Degraded, HealthErrorKind.ServiceState)]
    [InlineData("red", false, HealthStatus.Unhealthy, HealthErrorKind.ServiceState)]
    [InlineData("yellow", true, HealthStatus.Unhealthy, HealthErrorKind.ServiceState)]
    public async Task Elasticsearch_cluster_status_maps_to_health(string cluster, bool timedOut, HealthStatus expected, HealthErrorKind kind)
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.ClusterStatus = cluster;
        es.TimedOut = timedOut;
        es.UnassignedShards = cluster == "green" ? 0 : 4;
        var result = await CheckAsync(HealthCheckKind.Elasticsearch, es.BaseUri);
        Assert.Equal(expected, result.Status);
        Assert.Equal(kind, result.ErrorKind);
        Assert.Equal("ops-test", result.Details["cluster_name"]);
        Assert.Equal(3L, Assert.IsType<long>(result.Details["number_of_nodes"]));
        Assert.Contains("unassigned_shards", result.Details.Keys);
        Assert.Contains("active_shards_percent_as_number", result.Details.Keys);
        if (timedOut) Assert.Contains("timed out", result.Error);
    }

    [Theory]
    [InlineData("available", false, HealthStatus.Healthy)]
    [InlineData("degraded", false, HealthStatus.Degraded)]
    [InlineData("unavailable", false, HealthStatus.Unhealthy)]
    [InlineData("critical", false, HealthStatus.Unhealthy)]
    [InlineData("available", true, HealthStatus.Healthy)]
    [InlineData("degraded", true, HealthStatus.Degraded)]
    [InlineData("unavailable", true, HealthStatus.Unhealthy)]
    public async Task Kibana_overall_level_and_legacy_state_map_to_health(string level, bool legacy, HealthStatus expected)
    {
        await using var kibana = await KibanaStandIn.StartAsync();
        kibana.OverallLevel = level;
        kibana.Legacy7xShape = legacy;
        var result = await CheckAsync(HealthCheckKind.Kibana, kibana.BaseUri);
        Assert.Equal(expected, result.Status);
        if (expected != HealthStatus.Healthy) Assert.Contains(legacy ? "overall state" : $"overall level {level}", result.Error);
    }

    [Theory]
    [InlineData(true, HealthStatus.Healthy)]
    [InlineData(false, HealthStatus.Unhealthy)]
    public async Task Grafana_database_state_maps_to_health_and_the_version_is_reported(bool databaseOk, HealthStatus expected)
    {
        await using var grafana = await GrafanaStandIn.StartAsync();
        grafana.DatabaseOk = databaseOk;
        var result = await CheckAsync(HealthCheckKind.Grafana, grafana.BaseUri);
        Assert.Equal(expected, result.Status);
        Assert.Equal("10.4.2", result.Details["version"]);
        if (!databaseOk) Assert.Equal("the database is failing", result.Error);
    }

    public static TheoryData<string, StandInFault, HealthStatus, HealthErrorKind> Faults()
    {
        var data = new TheoryData<string, StandInFault, HealthStatus, HealthErrorKind>();
        foreach (var service in (string[])["Elasticsearch", "Kibana", "Grafana"])
        {
            // Grafana's own 5xx is its health body with a failing database.
            data.Add(service, StandInFault.ServerError, HealthStatus.Unhealthy, service == "Grafana" ? HealthErrorKind.ServiceState : HealthErrorKind.HttpStatus);
            data.Add(service, StandInFault.Slow, HealthStatus.Unreachable, HealthErrorKind.Timeout);
            data.Add(service, StandInFault.TruncatedJson, HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse);
            data.Add(service, StandInFault.UnexpectedShape, HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse);
            data.Add(service, StandInFault.Unauthorized, HealthStatus.Unhealthy, HealthErrorKind.Authentication);
            data.Add(service, StandInFault.Forbidden, HealthStatus.Unhealthy, HealthErrorKind.Authentication);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Each_broken_answer_gives_the_right_status_and_a_reason(string service, StandInFault fault, HealthStatus expected, HealthErrorKind kind)
    {
        await using StandIn standIn = service switch
        {
            "Elasticsearch" => await ElasticsearchStandIn.StartAsync(),
            "Kibana" => await KibanaStandIn.StartAsync(),
            _ => await GrafanaStandIn.StartAsync(),
        };
        standIn.Fault = fault;
        standIn.SlowDelay = TimeSpan.FromSeconds(10);
        // Only the slow answer should outlast the timeout, even on a busy machine.
        var result = await CheckAsync(Enum.Parse<HealthCheckKind>(service), standIn.BaseUri, timeoutSec: fault == StandInFault.Slow ? 0.5 : 5);
        Assert.True(expected == result.Status && kind == result.ErrorKind, $"{result.Status}/{result.ErrorKind}: {result.Error}");
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public async Task Elasticsearch_basic_and_api_key_credentials_are_sent_and_never_shown_in_results_logs_or_reports()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.BasicAuth = ("elastic", Password);
        var environment = new Dictionary<string, string> { ["ES_PASSWORD"] = Password, ["ES_API_KEY"] = ApiKey };
        var basic = await CheckAsync(HealthCheckKind.Elasticsearch, es.BaseUri, environment: environment, configure: d => d with
        {
            UserName = "elastic", PasswordReference = "env:ES_PASSWORD",
        });
        Assert.Equal(HealthStatus.Healthy, basic.Status);
        var wrong = await CheckAsync(HealthCheckKind.Elasticsearch, es.BaseUri, name: "es-wrong", environment: environment, configure: d => d with
        {
            UserName = "elastic", PasswordReference = "env:ES_API_KEY",
        });
        Assert.Equal(HealthErrorKind.Authentication, wrong.ErrorKind);

        es.BasicAuth = null;
        es.ApiKey = ApiKey;
        var keyed = await CheckAsync(HealthCheckKind.Elasticsearch, es.BaseUri, name: "es-key", environment: environment, configure: d => d with { ApiKeyReference = "env:ES_API_KEY" });
        Assert.Equal(HealthStatus.Healthy, keyed.Status);

        var report = HealthReportBuilder.Build("t", DateTimeOffset.UtcNow, [basic, wrong, keyed]);
        var reports = string.Concat(Enum.GetValues<HealthReportFormat>().Select(f => HealthReportRenderer.Render(report, f)));
        var everything = string.Join("\n", _harness.LogLines) + JsonSerializer.Serialize(new[] { basic, wrong, keyed }) + reports;
        Assert.DoesNotContain(Password, everything);
        Assert.DoesNotContain(ApiKey, everything);
        var logs = string.Concat(Directory.GetFiles(Path.Combine(_harness.StatePath, "logs")).Select(File.ReadAllText));
        Assert.DoesNotContain(Password, logs);
        Assert.DoesNotContain(ApiKey, logs);
    }

    [Fact]
    public async Task A_base_url_with_a_proxy_prefix_keeps_the_prefix()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        var result = await CheckAsync(HealthCheckKind.Elasticsearch, new Uri(es.BaseUri, "es/"));
        Assert.Contains("/es/_cluster/health", es.Paths[^1]);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    private async Task<HealthCheckResult> CheckAsync(HealthCheckKind kind, Uri baseUri, double timeoutSec = 5, string name = "svc",
        Dictionary<string, string>? environment = null, Func<HealthCheckDefinition, HealthCheckDefinition>? configure = null)
    {
        var definition = new HealthCheckDefinition { Name = name, Kind = kind, Target = baseUri.AbsoluteUri, Timeout = TimeSpan.FromSeconds(timeoutSec) };
        definition = configure?.Invoke(definition) ?? definition;
        var results = await _harness.RunAsync([definition], CancellationToken.None, n => environment?.GetValueOrDefault(n));
        return Assert.Single(results);
    }
}
