using System.Net;
using System.Net.Sockets;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Deployment.Validation;

/// <summary>The limits that keep a gate from passing on evaluations it could not make: an unreachable Prometheus, and nothing but tolerated no data.</summary>
public sealed class MetricGateLimitTests : IDisposable
{
    private readonly HttpClientProvider _http = new();
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);

    public void Dispose()
    {
        _pipelines.Dispose();
        _http.Dispose();
    }

    private static MetricGate Gate(int count) => new()
    {
        Name = "error-ratio", Query = "error_ratio", Comparison = GateComparison.LessThan, Threshold = 0.05, Count = count, Interval = TimeSpan.FromMilliseconds(10),
    };

    [Fact]
    public async Task An_unreachable_prometheus_is_an_error_evaluation_and_past_the_error_limit_fails_the_gate()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var engine = new PrometheusQueryEngine(_http, _pipelines, new Uri($"http://127.0.0.1:{port}"), new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(5) });

        var result = await new MetricGateRunner(engine, TimeProvider.System).RunAsync(Gate(3) with { ErrorLimit = 1 }, null, CancellationToken.None);

        Assert.Equal((GateOutcome.Failed, 2), (result.Outcome, result.Errors));
        Assert.All(result.Evaluations, e => Assert.Equal(GateVerdict.Error, e.Verdict));
        Assert.StartsWith($"Prometheus was not reached: http://127.0.0.1:{port}/api/v1/query could not be queried", result.Evaluations[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("error-ratio: the query could not be evaluated in 2 of 2 evaluations (limit 1): Prometheus was not reached", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gate_whose_every_evaluation_was_tolerated_no_data_is_inconclusive_not_passed()
    {
        IRuleQueryEngine empty = new PromQlEngine(new SeriesStore());
        var gate = Gate(2) with { NoData = NoDataPolicy.Inconclusive, InconclusiveLimit = 2 };

        var result = await new MetricGateRunner(empty, TimeProvider.System).RunAsync(gate, null, CancellationToken.None);

        Assert.Equal((GateOutcome.Inconclusive, 0, 2), (result.Outcome, result.Passed, result.Inconclusive));
        Assert.Equal("error-ratio: no evaluation of 2 passed (2 inconclusive within the limits), so nothing shows the condition < 0.05 holds", result.Reason);
    }

    [Fact]
    public async Task Several_series_averaged_leave_nan_out_and_say_how_the_value_was_made()
    {
        var series = new SeriesStore();
        var now = DateTimeOffset.UtcNow;
        series.Add(new Dictionary<string, string> { ["__name__"] = "error_ratio", ["code"] = "500" }, now.AddSeconds(-30).ToUnixTimeMilliseconds(), 0.18);
        series.Add(new Dictionary<string, string> { ["__name__"] = "error_ratio", ["code"] = "200" }, now.AddSeconds(-30).ToUnixTimeMilliseconds(), 0.01);
        series.Add(new Dictionary<string, string> { ["__name__"] = "error_ratio", ["code"] = "404" }, now.AddSeconds(-30).ToUnixTimeMilliseconds(), double.NaN);
        var gate = Gate(1) with { Reduce = SeriesReduction.Avg, Query = "error_ratio" };

        var result = await new MetricGateRunner(new PromQlEngine(series), TimeProvider.System).RunAsync(gate, null, CancellationToken.None);

        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal("0.095 > 0.05 (avg of 2 series; 1 NaN series left out)", evaluation.Message);
        Assert.Equal("error-ratio: 0.095 > 0.05 in 1 of 1 evaluations (limit 0)", result.Reason);
    }
}
