using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Alerting.Rules;

/// <summary>Rules evaluated against the real Prometheus that ./build.ps1 Test starts (it scrapes itself as job "prometheus").</summary>
public sealed class PrometheusQueryEngineTests : IDisposable
{
    private static readonly ResilienceOptions Resilience = new() { AttemptTimeout = TimeSpan.FromSeconds(10) };
    private readonly HttpClientProvider _http = new();
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        _pipelines.Dispose();
        _http.Dispose();
        _directory.Dispose();
    }

    private static Uri Prometheus()
    {
        var url = Environment.GetEnvironmentVariable("OPS_TEST_PROMETHEUS_URL");
        Assert.False(string.IsNullOrEmpty(url), "This test needs the real Prometheus: run it through ./build.ps1 Test, which starts it and sets OPS_TEST_PROMETHEUS_URL.");
        return new Uri(url!);
    }

    private PrometheusQueryEngine Engine(Uri? uri = null) => new(_http, _pipelines, uri ?? Prometheus(), Resilience);

    /// <summary>Prometheus has an up series once it has scraped itself; a fresh server may not have yet.</summary>
    private async Task WaitForFirstScrapeAsync()
    {
        var engine = Engine();
        var waited = Stopwatch.StartNew();
        while ((await engine.QueryAsync("up", DateTimeOffset.UtcNow, CancellationToken.None)).Samples.Count == 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "Prometheus has not scraped itself within a minute");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private async Task<List<RuleAlert>> EvaluateAsync(RuleFile file, TimeProvider time)
    {
        var stateStore = await StateStore.OpenAsync(_directory.Path, CancellationToken.None);
        var evaluator = new RuleEvaluator(Engine(), new RuleAlertStateStore(stateStore), new AlertDelivery(new Notifier(_pipelines), stateStore, time), [], time);
        var alerts = new List<RuleAlert>();
        await foreach (var alert in evaluator.EvaluateAsync(file, send: true, CancellationToken.None)) alerts.Add(alert);
        return alerts;
    }

    private static RuleFile Rules(string text)
    {
        var result = RuleFileReader.Parse(text, "real.rules.yml");
        Assert.Empty(result.Problems);
        return result.File;
    }

    [Fact]
    public async Task Up_equals_one_fires_at_once_with_the_series_labels()
    {
        await WaitForFirstScrapeAsync();
        var file = Rules("groups:\n  - name: real\n    rules:\n      - alert: PrometheusUp\n        expr: up{job=\"prometheus\"} == 1\n        annotations:\n          summary: '{{ $labels.job }} is up ({{ $value }})'\n");

        var alert = Assert.Single(await EvaluateAsync(file, TimeProvider.System));

        Assert.Equal(RuleAlertState.Firing, alert.State);
        Assert.Equal(("PrometheusUp", "prometheus", 1.0), (alert.Labels["alertname"], alert.Labels["job"], alert.Value));
        Assert.False(alert.Labels.ContainsKey("__name__"));
        Assert.Equal("prometheus is up (1)", alert.Annotations["summary"]);
        Assert.Null(alert.Error);
    }

    [Fact]
    public async Task Absent_of_a_missing_metric_fires_with_its_labels()
    {
        var file = Rules("groups:\n  - name: real\n    rules:\n      - alert: Missing\n        expr: absent(nonexistent_metric{job=\"x\"})\n");

        var alert = Assert.Single(await EvaluateAsync(file, TimeProvider.System));

        Assert.Equal((RuleAlertState.Firing, "x"), (alert.State, alert.Labels["job"]));
    }

    [Fact]
    public async Task State_continues_across_two_evaluations_with_for()
    {
        await WaitForFirstScrapeAsync();
        var file = Rules("groups:\n  - name: real\n    rules:\n      - alert: UpForAMinute\n        expr: up{job=\"prometheus\"} == 1\n        for: 1m\n");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var first = Assert.Single(await EvaluateAsync(file, time));
        time.Advance(TimeSpan.FromSeconds(30));
        var second = Assert.Single(await EvaluateAsync(file, time));
        time.Advance(TimeSpan.FromSeconds(30));
        var third = Assert.Single(await EvaluateAsync(file, time));

        Assert.Equal([RuleAlertState.Pending, RuleAlertState.Pending, RuleAlertState.Firing], [first.State, second.State, third.State]);
        Assert.Equal(first.ActiveSince, third.ActiveSince);
    }

    [Fact]
    public async Task A_prometheus_error_is_a_result_with_its_type_and_message()
    {
        var result = await Engine().QueryAsync("sum(", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Empty(result.Samples);
        Assert.StartsWith("Prometheus refused the query (bad_data):", result.Error, StringComparison.Ordinal);
        Assert.False(result.Unreachable);
    }

    [Fact]
    public async Task A_range_vector_is_refused_with_a_reason()
    {
        var result = await Engine().QueryAsync("up[1m]", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal("the expression returns a matrix, but a rule needs an instant vector or a scalar", result.Error);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_a_result_with_a_reason()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var uri = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}");
        var engine = new PrometheusQueryEngine(_http, _pipelines, uri, new ResilienceOptions { AttemptTimeout = TimeSpan.FromMilliseconds(300) });

        var result = await engine.QueryAsync("up", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Contains("did not answer within the 0.3 s timeout", result.Error, StringComparison.Ordinal);
        Assert.True(result.Unreachable);
    }

    [Fact]
    public async Task A_closed_port_is_a_result_with_a_reason()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var result = await Engine(new Uri($"http://127.0.0.1:{port}")).QueryAsync("up", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Contains("could not be queried", result.Error, StringComparison.Ordinal);
        Assert.True(result.Unreachable);
    }
}
