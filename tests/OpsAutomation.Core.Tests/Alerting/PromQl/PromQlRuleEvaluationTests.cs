using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

/// <summary>The in-process engine behind the rule evaluator: rules see its samples as they would see Prometheus's.</summary>
public sealed class PromQlRuleEvaluationTests : IDisposable
{
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        _pipelines.Dispose();
        _directory.Dispose();
    }

    private static SeriesStore Store()
    {
        var store = new SeriesStore();
        var api = new Dictionary<string, string> { ["__name__"] = "http_requests_total", ["job"] = "api", ["code"] = "500" };
        var all = new Dictionary<string, string> { ["__name__"] = "http_requests_total", ["job"] = "api", ["code"] = "200" };
        for (var minute = 0; minute <= 20; minute++)
        {
            store.Add(api, minute * 60_000L, minute * 30.0);
            store.Add(all, minute * 60_000L, minute * 270.0);
        }
        return store;
    }

    private async Task<List<RuleAlert>> EvaluateAsync(string rules, TimeProvider time)
    {
        var parsed = RuleFileReader.Parse(rules, "inprocess.rules.yml");
        Assert.Empty(parsed.Problems);
        var stateStore = await StateStore.OpenAsync(_directory.Path, CancellationToken.None);
        var evaluator = new RuleEvaluator(new PromQlEngine(Store()), new RuleAlertStateStore(stateStore), new AlertDelivery(new Notifier(_pipelines), stateStore, time), [],
            time);
        var alerts = new List<RuleAlert>();
        await foreach (var alert in evaluator.EvaluateAsync(parsed.File, send: true, CancellationToken.None)) alerts.Add(alert);
        return alerts;
    }

    [Fact]
    public async Task An_error_ratio_alert_goes_pending_then_firing_with_the_series_labels()
    {
        const string Rules = "groups:\n  - name: g\n    rules:\n      - alert: HighErrorRatio\n"
            + "        expr: sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05\n"
            + "        for: 1m\n        annotations:\n          summary: '{{ $labels.job }} at {{ $value }}'\n";
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddMinutes(10));

        var first = Assert.Single(await EvaluateAsync(Rules, time));
        time.Advance(TimeSpan.FromMinutes(1));
        var second = Assert.Single(await EvaluateAsync(Rules, time));

        Assert.Equal((RuleAlertState.Pending, RuleAlertState.Firing), (first.State, second.State));
        Assert.Equal("api", second.Labels["job"]);
        Assert.Equal(0.1, second.Value, 12);
        Assert.Equal("api at 0.1", second.Annotations["summary"]);
        Assert.Null(second.Error);
    }

    [Fact]
    public async Task An_unsupported_construct_is_the_alert_error()
    {
        const string Rules = "groups:\n  - name: g\n    rules:\n      - alert: DiskFull\n        expr: predict_linear(node_filesystem_free_bytes[1h], 4 * 3600) < 0\n";

        var alert = Assert.Single(await EvaluateAsync(Rules, new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddMinutes(10))));

        Assert.Equal("unsupported function 'predict_linear' at position 1", alert.Error);
        Assert.Equal(RuleAlertState.Inactive, alert.State);
    }
}
