using OpsAutomation.Core.Metrics.Exposition;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.Metrics.Exposition;

public sealed class MetricDerivationsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<MetricSample> Scrape(string text, DateTimeOffset at) =>
        ExpositionParser.Parse(text, ExpositionFormat.PrometheusText, scrapedAt: at);

    [Fact]
    public void A_counter_rate_is_its_increase_per_second_between_scrapes()
    {
        var rate = Assert.Single(MetricDerivations.Rates(
            Scrape("# TYPE c counter\nc{a=\"1\"} 100\n# TYPE g gauge\ng 5", T0),
            Scrape("# TYPE c counter\nc{a=\"1\"} 130\n# TYPE g gauge\ng 9", T0.AddSeconds(10))));
        Assert.Equal((30.0, 3.0, false, TimeSpan.FromSeconds(10)), (rate.Increase, rate.Rate, rate.CounterReset, rate.Interval));
    }

    [Fact]
    public void A_counter_reset_counts_the_value_after_the_reset_as_prometheus_does()
    {
        var rate = Assert.Single(MetricDerivations.Rates(Scrape("# TYPE c counter\nc 100", T0), Scrape("# TYPE c counter\nc 4", T0.AddSeconds(2))));
        Assert.Equal((4.0, 2.0, true), (rate.Increase, rate.Rate, rate.CounterReset));
    }

    [Fact]
    public void The_samples_own_timestamps_set_the_interval_when_both_have_one()
    {
        var rate = Assert.Single(MetricDerivations.Rates(Scrape("# TYPE c counter\nc 0 1000", T0), Scrape("# TYPE c counter\nc 8 5000", T0.AddSeconds(30))));
        Assert.Equal(2.0, rate.Rate);
    }

    [Fact]
    public void Openmetrics_created_samples_are_not_counted_as_counters()
    {
        static IReadOnlyList<MetricSample> Om(double v, int at) =>
            ExpositionParser.Parse($"# TYPE c counter\nc_total {v}\nc_created 100\n# EOF", ExpositionFormat.OpenMetrics, scrapedAt: T0.AddSeconds(at));
        Assert.Equal("c_total", Assert.Single(MetricDerivations.Rates(Om(1, 0), Om(3, 1))).Name);
    }

    // Expected values computed by hand with promql/quantile.go's bucketQuantile.
    [Theory]
    [InlineData(0.5, 0.15)]      // rank 50 in (0.1, 0.2] holding 40 of 100 from 30: 0.1 + 0.1 * 20/40
    [InlineData(0.8, 0.35)]      // rank 80 in (0.2, 0.5] holding 20 from 70: 0.2 + 0.3 * 10/20
    [InlineData(0.99, 0.5)]      // rank 99 falls in the +Inf bucket: the highest finite bound
    [InlineData(0.1, 0.03333333333333333)] // rank 10 in the first bucket, starting at 0
    [InlineData(0.0, 0.0)]
    [InlineData(-1.0, double.NegativeInfinity)]
    [InlineData(2.0, double.PositiveInfinity)]
    public void Histogram_quantiles_interpolate_linearly_inside_the_bucket(double q, double expected)
    {
        var samples = Scrape("""
            # TYPE d histogram
            d_bucket{le="0.1"} 30
            d_bucket{le="0.2"} 70
            d_bucket{le="0.5"} 90
            d_bucket{le="+Inf"} 100
            d_count 100
            d_sum 20
            """, T0);
        var quantile = Assert.Single(MetricDerivations.HistogramQuantiles(samples, [q]));
        Assert.Equal(expected, quantile.Value, 12);
        Assert.Equal(100, quantile.Observations);
        Assert.Empty(quantile.Labels);
    }

    [Theory]
    [InlineData(new[] { 1.0, double.PositiveInfinity }, new[] { 0.0, 0.0 }, double.NaN)]          // no observations
    [InlineData(new[] { 1.0, 2.0 }, new[] { 5.0, 10.0 }, double.NaN)]                             // no +Inf bucket
    [InlineData(new[] { -1.0, 1.0, double.PositiveInfinity }, new[] { 10.0, 10.0, 10.0 }, -1.0)] // first bound not positive
    [InlineData(new[] { 1.0, 2.0, double.PositiveInfinity }, new[] { 8.0, 10.0, 6.0 }, 0.625)]   // +Inf raised to 10: rank 5 of 8 in (0, 1]
    public void Histogram_quantile_edge_cases_match_prometheus(double[] bounds, double[] counts, double expected) =>
        Assert.Equal(expected, MetricDerivations.BucketQuantile(0.5, [.. bounds.Zip(counts)]));

    [Fact]
    public void Windowed_quantiles_use_the_bucket_increase_between_scrapes()
    {
        static string Shape(int le1, int le2) => $"# TYPE d histogram\nd_bucket{{le=\"1\"}} {le1}\nd_bucket{{le=\"2\"}} {le2}\nd_bucket{{le=\"+Inf\"}} {le2}";
        var before = Scrape(Shape(100, 100), T0);
        var after = Scrape(Shape(100, 110), T0.AddSeconds(60));
        // All ten new observations fall in (1, 2]; over all time the median would be below 1.
        Assert.Equal(1.5, Assert.Single(MetricDerivations.HistogramQuantiles(MetricDerivations.BucketIncreases(before, after), [0.5])).Value, 12);
    }

    [Fact]
    public void Summary_quantiles_are_read_as_given()
    {
        var samples = Scrape("# TYPE s summary\ns{quantile=\"0.5\",h=\"x\"} 0.2\ns{quantile=\"0.99\",h=\"x\"} 1.5\ns_count{h=\"x\"} 4\ns_sum{h=\"x\"} 3", T0);
        var q = Assert.Single(MetricDerivations.SummaryQuantiles(samples, [0.99]));
        Assert.Equal((1.5, MetricType.Summary, "x"), (q.Value, q.Type, q.Labels["h"]));
        Assert.False(q.Labels.ContainsKey("quantile"));
    }

    [Fact]
    public void The_error_ratio_divides_the_increase_of_errors_by_that_of_all_requests()
    {
        static string Shape(int ok, int failed) => $"# TYPE r counter\nr{{code=\"200\"}} {ok}\nr{{code=\"500\"}} {failed}";
        var rates = MetricDerivations.Rates(Scrape(Shape(0, 0), T0), Scrape(Shape(90, 10), T0.AddSeconds(5))).ToList();
        Assert.Equal(0.1, MetricDerivations.ErrorRatio(rates.Where(r => r.Labels["code"].StartsWith('5')), rates), 12);
        Assert.True(double.IsNaN(MetricDerivations.ErrorRatio([], [])));
    }
}
