using OpsAutomation.Core.Alerting.Rules.PromQl;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

public sealed class PromQlEngineTests
{
    private static readonly DateTimeOffset FiveMinutes = DateTimeOffset.UnixEpoch.AddMinutes(5);

    private static SeriesStore Store(params (string Series, string Values)[] inputs)
    {
        var store = new SeriesStore();
        foreach (var (series, values) in inputs)
        {
            var labels = SeriesNotation.ParseSeries(series).Labels;
            var expanded = SeriesNotation.Expand(values);
            for (var i = 0; i < expanded.Count; i++)
            {
                if (expanded[i] is { } v) store.Add(labels, i * 60_000L, v);
            }
        }
        return store;
    }

    private static SeriesStore Requests() => Store(
        ("errors{job=\"api\", instance=\"a\"}", "3x10"),
        ("requests{job=\"api\", instance=\"a\"}", "30x10"),
        ("requests{job=\"api\", instance=\"b\"}", "50x10"));

    // The texts are what `promtool test rules` (Prometheus 2.42) reports for the same input.
    [Theory]
    [InlineData("requests / on(job) errors", "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")]
    [InlineData("requests > on(job) errors", "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")]
    [InlineData("requests > bool on(job) 100 * errors", "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")]
    [InlineData("errors / on(job) requests",
        "found duplicate series for the match group {job=\"api\"} on the right hand-side of the operation: "
        + "[{__name__=\"requests\", instance=\"b\", job=\"api\"}, {__name__=\"requests\", instance=\"a\", job=\"api\"}];"
        + "many-to-many matching not allowed: matching labels must be unique on one side")]
    [InlineData("-{__name__=~\"errors|requests\", instance=\"a\"}", "vector cannot contain metrics with the same labelset")]
    [InlineData("rate({__name__=~\"errors|requests\", instance=\"a\"}[5m])", "vector cannot contain metrics with the same labelset")]
    public void Evaluation_errors_come_back_as_failed_results_with_Prometheus_text(string expression, string error)
    {
        var result = new PromQlEngine(Requests()).Query(expression, FiveMinutes);

        Assert.Equal(error, result.Error);
        Assert.Empty(result.Samples);
    }

    [Fact]
    public void A_comparison_that_keeps_only_one_match_is_no_many_to_one_error()
    {
        var result = new PromQlEngine(Requests()).Query("requests > on(job) 13 * errors", FiveMinutes);

        Assert.Null(result.Error);
        var sample = Assert.Single(result.Samples);
        Assert.Equal(50, sample.Value);
    }

    [Fact]
    public void Parse_errors_and_unsupported_constructs_come_back_as_failed_results()
    {
        var engine = new PromQlEngine(Requests());

        Assert.Equal("unsupported function 'predict_linear' at position 1", engine.Query("predict_linear(requests[1h], 60)", FiveMinutes).Error);
        Assert.Equal("parse error at position 11: unexpected end of input, expected ')'", engine.Query("sum(errors", FiveMinutes).Error);
    }

    // The text is what `promtool test rules` reports for requests[5m].
    [Theory]
    [InlineData("requests[5m]")]
    [InlineData("\"text\"")]
    public void A_range_vector_or_string_result_is_refused_as_Prometheus_refuses_it_for_rules(string expression)
    {
        var result = new PromQlEngine(Requests()).Query(expression, FiveMinutes);

        Assert.Equal("rule result is not a vector or scalar", result.Error);
    }

    [Fact]
    public void A_scalar_result_is_one_sample_without_labels()
    {
        var result = new PromQlEngine(Requests()).Query("scalar(errors) * 2", FiveMinutes);

        var sample = Assert.Single(result.Samples);
        Assert.Empty(sample.Labels);
        Assert.Equal(6, sample.Value);
    }

    // promtool answers {} NaN for scalar() of an empty vector; Prometheus's docs say the same of any count but one.
    [Theory]
    [InlineData("scalar(requests{job=\"nope\"})")]
    [InlineData("scalar(requests)")]
    public void Scalar_of_anything_but_one_sample_is_NaN(string expression) =>
        Assert.True(double.IsNaN(Assert.Single(new PromQlEngine(Requests()).Query(expression, FiveMinutes).Samples).Value));

    [Fact]
    public void The_lookback_delta_is_configurable()
    {
        var store = Store(("gauge", "1 _ _"));
        var defaults = new PromQlEngine(store);
        var short1m = new PromQlEngine(store, new PromQlOptions { LookbackDelta = TimeSpan.FromMinutes(1) });
        var twoMinutes = DateTimeOffset.UnixEpoch.AddMinutes(2);

        Assert.Single(defaults.Query("gauge", twoMinutes).Samples);
        Assert.Single(short1m.Query("gauge", DateTimeOffset.UnixEpoch.AddMinutes(1)).Samples);
        Assert.Empty(short1m.Query("gauge", twoMinutes).Samples);
    }

    [Fact]
    public void A_repeated_query_gives_the_same_answer_from_the_parsed_cache()
    {
        var engine = new PromQlEngine(Requests());

        var first = engine.Query("sum by (job) (requests)", FiveMinutes);
        var second = engine.Query("sum by (job) (requests)", FiveMinutes.AddMinutes(1));

        Assert.Equal(80, Assert.Single(first.Samples).Value);
        Assert.Equal(80, Assert.Single(second.Samples).Value);
    }

    [Fact]
    public async Task QueryAsync_answers_as_Query_and_honours_cancellation()
    {
        var engine = new PromQlEngine(Requests());

        var result = await engine.QueryAsync("errors", FiveMinutes, CancellationToken.None);
        Assert.Equal(3, Assert.Single(result.Samples).Value);
        Assert.Equal("errors", result.Samples[0].Labels["__name__"]);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.QueryAsync("errors", FiveMinutes, cancelled.Token));
    }

    [Fact]
    public void Any_series_source_can_feed_the_engine()
    {
        var series = new StoredSeries(new Dictionary<string, string> { ["__name__"] = "temperature", ["room"] = "a" }, [0, 60_000, 120_000], [20, 21, 23]);
        var engine = new PromQlEngine(new FixedSource([series]));

        var result = engine.Query("delta(temperature[2m])", DateTimeOffset.UnixEpoch.AddMinutes(2));

        var sample = Assert.Single(result.Samples);
        Assert.Equal(3, sample.Value);
        Assert.Equal(new Dictionary<string, string> { ["room"] = "a" }, sample.Labels);
    }

    [Fact]
    public void Ten_thousand_series_aggregate_by_label()
    {
        var store = new SeriesStore();
        for (var i = 0; i < 10_000; i++)
        {
            var labels = new Dictionary<string, string> { ["__name__"] = "requests_total", ["instance"] = $"i{i}", ["job"] = $"job{i % 10}" };
            for (var t = 0; t <= 5; t++) store.Add(labels, t * 60_000L, t * 60.0);
        }
        var engine = new PromQlEngine(store);

        var result = engine.Query("sum by (job) (rate(requests_total[5m])) > 0", FiveMinutes);

        Assert.Null(result.Error);
        Assert.Equal(10, result.Samples.Count);
        Assert.All(result.Samples, s => Assert.Equal(1000, s.Value, 9));
    }

    [Fact]
    public void Random_token_soup_fails_only_as_a_result_never_with_an_exception()
    {
        string[] pieces =
        [
            "requests", "errors{instance=\"a\"}", "rate(", "irate(", "sum", "avg", "count", "by", "without", "(", ")", "(job)", "[5m]", "[1m]",
            "+", "-", "*", "/", "%", "^", "==", ">", "<=", "bool", "on(job)", "ignoring(instance)", "and", "or", "unless", "1", "0x1", "Inf",
            "time()", "absent(", "vector(", "scalar(", "histogram_quantile(", "quantile_over_time(", "last_over_time(", ",", " ",
        ];
        var engine = new PromQlEngine(Requests());
        var random = new Random(20261130);
        var answered = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => pieces[random.Next(pieces.Length)] + " "));
            if (engine.Query(text, FiveMinutes).Error is null) answered++;
        }
        Assert.True(answered > 100, $"only {answered} expressions were valid: the soup tests little");
    }

    [Fact]
    public void A_lookback_delta_that_is_not_positive_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromQlEngine(new SeriesStore(), new PromQlOptions { LookbackDelta = TimeSpan.Zero }));

    private sealed class FixedSource(IReadOnlyList<StoredSeries> series) : ISeriesSource
    {
        public IEnumerable<StoredSeries> Select(IReadOnlyList<LabelMatcher> matchers, long minTimestampMs, long maxTimestampMs) =>
            series.Where(s => matchers.All(m => m.Matches(s.Labels.GetValueOrDefault(m.Name))));
    }
}
