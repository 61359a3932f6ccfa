using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Validation;

/// <summary>Metric gates evaluated against the real Prometheus, scraping an application with an 18 % error ratio and a p95 latency of about 0.47 s.</summary>
public sealed class MetricGateRunnerTests(ApplicationMetricsFixture app) : IClassFixture<ApplicationMetricsFixture>
{
    private Task<GateResult> RunAsync(MetricGate gate, List<GateEvaluation>? seen = null) =>
        new MetricGateRunner(app.Engine(), TimeProvider.System).RunAsync(gate, e => seen?.Add(e), CancellationToken.None);

    private static MetricGate Gate(string name, string query, GateComparison comparison, double threshold, int count = 2) => new()
    {
        Name = name, Query = query, Comparison = comparison, Threshold = threshold, Count = count, Interval = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task Error_ratio_and_p95_latency_under_their_thresholds_pass_with_every_value_recorded()
    {
        var ratio = await RunAsync(Gate("error-ratio", app.ErrorRatio, GateComparison.LessThan, 0.25));
        var latency = await RunAsync(Gate("p95-latency", app.P95Latency, GateComparison.LessThan, 0.5));

        Assert.Equal((GateOutcome.Passed, 2, 0), (ratio.Outcome, ratio.Passed, ratio.Failed));
        Assert.All(ratio.Evaluations, e => Assert.Equal((GateVerdict.Pass, 0.18, "< 0.25", app.ErrorRatio), (e.Verdict, Math.Round(e.Value!.Value, 6), e.Threshold, e.Query)));
        Assert.Equal("error-ratio: < 0.25 in 2 of 2 evaluations, worst 0.18", ratio.Reason);
        Assert.Equal(GateOutcome.Passed, latency.Outcome);
        Assert.All(latency.Evaluations, e => Assert.InRange(e.Value!.Value, 0.45, 0.49));
    }

    [Fact]
    public async Task An_error_ratio_over_the_threshold_fails_saying_value_threshold_count_and_limit()
    {
        var gate = Gate("error-ratio", app.ErrorRatio, GateComparison.LessThan, 0.05, count: 5) with { FailureLimit = 1 };
        var seen = new List<GateEvaluation>();

        var result = await RunAsync(gate, seen);

        // The second failure passes the limit: the three evaluations left cannot change the outcome.
        Assert.Equal(GateOutcome.Failed, result.Outcome);
        Assert.Equal("error-ratio: 0.18 > 0.05 in 2 of 2 evaluations (limit 1)", result.Reason);
        Assert.Equal([GateVerdict.Fail, GateVerdict.Fail], seen.Select(e => e.Verdict));
        Assert.Equal("0.18 > 0.05", seen[0].Message);
        Assert.Equal([1, 2], result.Evaluations.Select(e => e.Number));
    }

    [Theory]
    [InlineData(NoDataPolicy.Fail, GateOutcome.Failed, "no-data: no data in 1 of 1 evaluations (limit 0; NoData=Fail)")]
    [InlineData(NoDataPolicy.Inconclusive, GateOutcome.Inconclusive, "no-data: no data in 1 of 1 evaluations (inconclusive limit 0; NoData=Inconclusive)")]
    [InlineData(NoDataPolicy.Pass, GateOutcome.Passed, "no-data: < 0.05 in 1 of 1 evaluations; 1 of them no data, counted as passes by NoData=Pass")]
    public async Task An_empty_result_is_recorded_as_no_data_and_counted_by_the_policy(NoDataPolicy policy, GateOutcome outcome, string reason)
    {
        var gate = Gate("no-data", $"sum(rate(http_requests_total{{code=\"404\",{app.Selector}}}[1m]))", GateComparison.LessThan, 0.05, count: 1) with { NoData = policy };

        var result = await RunAsync(gate);

        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal((GateVerdict.NoData, (double?)null), (evaluation.Verdict, evaluation.Value));
        Assert.Equal($"no data (the query returned no series); counted as {policy} (NoData={policy})", evaluation.Message);
        Assert.Equal((outcome, reason), (result.Outcome, result.Reason));
    }

    [Fact]
    public async Task NaN_is_no_data_not_a_value_that_passes()
    {
        // A ratio over no traffic: 0 / 0.
        var gate = Gate("idle-ratio", "vector(0) / vector(0)", GateComparison.LessThan, 0.05, count: 1);

        var result = await RunAsync(gate);

        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal(GateVerdict.NoData, evaluation.Verdict);
        Assert.StartsWith("no data (the value is NaN)", evaluation.Message, StringComparison.Ordinal);
        Assert.Equal(GateOutcome.Failed, result.Outcome);
    }

    [Fact]
    public async Task Bad_promql_is_an_error_evaluation_that_fails_the_gate_with_prometheus_reason()
    {
        var result = await RunAsync(Gate("broken", "sum(rate(http_requests_total[1m]", GateComparison.LessThan, 0.05, count: 3));

        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal(GateVerdict.Error, evaluation.Verdict);
        Assert.StartsWith("Prometheus refused the query (bad_data):", evaluation.Message, StringComparison.Ordinal);
        Assert.Equal(GateOutcome.Failed, result.Outcome);
        Assert.StartsWith("broken: the query could not be evaluated in 1 of 1 evaluations (limit 0): Prometheus refused the query (bad_data):", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_series_without_a_reduction_are_an_error_naming_them()
    {
        var result = await RunAsync(Gate("per-code", app.RatePerCode, GateComparison.LessThan, 1000, count: 1));

        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal(GateVerdict.Error, evaluation.Verdict);
        Assert.Equal("the query returned 2 series ({code=\"200\"}, {code=\"500\"}); set Reduce to Max, Min, Avg or Sum to compare one value, or to Each so that every series must pass",
            evaluation.Message);
        Assert.Equal(GateOutcome.Failed, result.Outcome);
    }

    [Fact]
    public async Task Several_series_reduced_compare_one_value_and_say_how()
    {
        var gate = Gate("per-code", app.RatePerCode, GateComparison.GreaterThan, 0, count: 1) with { Reduce = SeriesReduction.Min };

        var evaluation = Assert.Single((await RunAsync(gate)).Evaluations);

        Assert.Equal(GateVerdict.Pass, evaluation.Verdict);
        Assert.EndsWith("> 0 (min of 2 series)", evaluation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_series_must_pass_and_the_failing_one_is_named()
    {
        // 82 and 18 requests per scrape: only the 200s reach half of the larger rate.
        var gate = Gate("per-code", $"{app.RatePerCode} / scalar(max({app.RatePerCode}))", GateComparison.GreaterThan, 0.5, count: 1) with { Reduce = SeriesReduction.Each };

        var result = await RunAsync(gate);

        var evaluation = Assert.Single(result.Evaluations);
        Assert.Equal(GateVerdict.Fail, evaluation.Verdict);
        Assert.Matches(@"^1 of 2 series fail: \{code=""500""\} 0\.219\d* < 0\.5$", evaluation.Message);
        Assert.Equal(GateOutcome.Failed, result.Outcome);
    }
}
