using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.Metrics;

public sealed class CustomMetricStoreTests
{
    private readonly OpsMetrics _metrics = new(new FakeTimeProvider(DateTimeOffset.Parse("2026-05-01T12:00:00Z", CultureInfo.InvariantCulture)));

    private CustomMetricStore Store => _metrics.Custom;

    private static CustomMetricOptions Orders(int maxSeries = CustomMetricOptions.DefaultMaxSeries) => new()
    {
        Name = "orders_processed_total", Type = MetricType.Counter, Help = "Orders processed.", LabelNames = ["region"], MaxSeries = maxSeries,
    };

    private static Dictionary<string, string> Region(string region) => new() { ["region"] = region };

    private async Task<string> ExpositionAsync() => Encoding.UTF8.GetString(await _metrics.ExportTextAsync(CancellationToken.None));

    [Fact]
    public void Defining_the_same_metric_again_returns_it()
    {
        Store.Define(Orders());
        Store.Update("orders_processed_total", Region("eu"), MetricChange.Increment, 2);
        var again = Store.Define(Orders());
        Assert.Equal(2, Assert.Single(again.Series).Value);
    }

    [Fact]
    public void Redefining_with_other_labels_is_a_conflict_naming_both()
    {
        Store.Define(Orders());
        var error = Assert.Throws<MetricDefinitionException>(() => Store.Define(Orders() with { LabelNames = ["region", "outcome"] }));
        Assert.True(error.Conflict);
        Assert.Contains("labels (region), not (region, outcome)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redefining_with_another_type_is_a_conflict()
    {
        Store.Define(new CustomMetricOptions { Name = "queue_depth", Type = MetricType.Gauge, Help = "Depth." });
        var error = Assert.Throws<MetricDefinitionException>(() =>
            Store.Define(new CustomMetricOptions { Name = "queue_depth", Type = MetricType.Summary, Help = "Depth." }));
        Assert.Contains("type Gauge, not Summary", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 0.5, 0.25 }, "Bucket 0.25")]
    [InlineData(new[] { 0.5, double.PositiveInfinity }, "histogram 'latency_seconds' is not valid")]
    public void Buckets_must_be_finite_and_increasing(double[] buckets, string named)
    {
        var error = Assert.Throws<MetricDefinitionException>(() =>
            Store.Define(new CustomMetricOptions { Name = "latency_seconds", Type = MetricType.Histogram, Help = "h", Buckets = buckets }));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Quantiles_lie_strictly_between_0_and_1(double quantile)
    {
        var error = Assert.Throws<MetricDefinitionException>(() =>
            Store.Define(new CustomMetricOptions { Name = "latency_seconds", Type = MetricType.Summary, Help = "h", Quantiles = [quantile] }));
        Assert.Contains($"Quantile {quantile}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_name_given_twice_is_refused()
    {
        var error = Assert.Throws<MetricDefinitionException>(() => Store.Define(Orders() with { LabelNames = ["region", "region"] }));
        Assert.Contains("'region'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_sets_beyond_the_limit_are_refused_and_counted_as_dropped()
    {
        Store.Define(Orders(maxSeries: 2));
        Assert.NotNull(Store.Update("orders_processed_total", Region("eu"), MetricChange.Increment, 1).Series);
        Assert.NotNull(Store.Update("orders_processed_total", Region("us"), MetricChange.Increment, 1).Series);

        var refused = Store.Update("orders_processed_total", Region("ap"), MetricChange.Increment, 1);
        Store.Update("orders_processed_total", Region("sa"), MetricChange.Increment, 1);

        Assert.Null(refused.Series);
        Assert.Contains("{region=\"ap\"}", refused.Refused, StringComparison.Ordinal);
        var definition = Assert.Single(Store.List());
        Assert.Equal(["eu", "us"], definition.Series.Select(s => s.Label["region"]));
        Assert.Equal(2, definition.DroppedSeries);
    }

    [Fact]
    public async Task Refused_label_sets_never_reach_the_exposition_but_the_drop_count_does()
    {
        Store.Define(Orders(maxSeries: 1));
        Store.Update("orders_processed_total", Region("eu"), MetricChange.Increment, 1);
        Store.Update("orders_processed_total", Region("us"), MetricChange.Increment, 1);

        var text = await ExpositionAsync();
        Assert.DoesNotContain("region=\"us\"", text, StringComparison.Ordinal);
        Assert.Contains("ops_metrics_dropped_series_total{metric=\"orders_processed_total\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_series_still_changes_when_the_metric_is_full()
    {
        Store.Define(Orders(maxSeries: 1));
        Store.Update("orders_processed_total", Region("eu"), MetricChange.Increment, 1);
        var outcome = Store.Update("orders_processed_total", Region("eu"), MetricChange.Increment, 1);
        Assert.Equal(2, outcome.Series!.Value);
    }

    [Theory]
    [InlineData(MetricType.Counter, MetricChange.Set, "a counter cannot set")]
    [InlineData(MetricType.Counter, MetricChange.Observe, "a counter cannot observe")]
    [InlineData(MetricType.Gauge, MetricChange.Observe, "a gauge cannot observe")]
    [InlineData(MetricType.Histogram, MetricChange.Increment, "a histogram cannot increment")]
    [InlineData(MetricType.Summary, MetricChange.Set, "a summary cannot set")]
    public void A_change_the_type_does_not_allow_is_refused(MetricType type, MetricChange change, string reason)
    {
        var name = type == MetricType.Counter ? "things_total" : "things_seconds";
        Store.Define(new CustomMetricOptions { Name = name, Type = type, Help = "h" });
        var error = Assert.Throws<MetricUpdateException>(() => Store.Update(name, new Dictionary<string, string>(), change, 1));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_counter_refuses_a_negative_increment()
    {
        Store.Define(Orders());
        var error = Assert.Throws<MetricUpdateException>(() => Store.Update("orders_processed_total", Region("eu"), MetricChange.Increment, -1));
        Assert.Contains("only goes up", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_must_match_the_definition()
    {
        Store.Define(Orders());
        var unknown = Assert.Throws<MetricUpdateException>(() =>
            Store.Update("orders_processed_total", new Dictionary<string, string> { ["region"] = "eu", ["Region"] = "x" }, MetricChange.Increment, 1));
        Assert.Contains("no label 'Region'", unknown.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<MetricUpdateException>(() => Store.Update("orders_processed_total", new Dictionary<string, string>(), MetricChange.Increment, 1));
        Assert.Contains("needs a value for label 'region'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_metric_is_not_found()
    {
        var error = Assert.Throws<MetricUpdateException>(() => Store.Update("nothing_total", new Dictionary<string, string>(), MetricChange.Increment, 1));
        Assert.True(error.MetricNotFound);
        Assert.Contains("'nothing_total'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gauges_set_and_increment_and_observations_count_and_sum()
    {
        Store.Define(new CustomMetricOptions { Name = "queue_depth", Type = MetricType.Gauge, Help = "Depth." });
        Store.Define(new CustomMetricOptions { Name = "payment_duration_seconds", Type = MetricType.Summary, Help = "Payments.", Quantiles = [0.5] });
        var none = new Dictionary<string, string>();
        Store.Update("queue_depth", none, MetricChange.Set, 10);
        Assert.Equal(7, Store.Update("queue_depth", none, MetricChange.Increment, -3).Series!.Value);
        Store.Update("payment_duration_seconds", none, MetricChange.Observe, 0.25);
        var summary = Store.Update("payment_duration_seconds", none, MetricChange.Observe, 0.5).Series!;
        Assert.Equal(2, summary.Count);
        Assert.Equal(0.75, summary.Value);
    }

    [Fact]
    public async Task The_exposition_carries_help_type_buckets_and_quantiles()
    {
        Store.Define(new CustomMetricOptions
        {
            Name = "checkout_duration_seconds", Type = MetricType.Histogram, Help = "Checkout latency.", LabelNames = ["shop"], Buckets = [0.1, 0.5],
        });
        Store.Define(new CustomMetricOptions { Name = "payment_duration_seconds", Type = MetricType.Summary, Help = "Payments.", Quantiles = [0.9] });
        Store.Update("checkout_duration_seconds", new Dictionary<string, string> { ["shop"] = "a\"b" }, MetricChange.Observe, 0.3);
        Store.Update("payment_duration_seconds", new Dictionary<string, string>(), MetricChange.Observe, 2);

        var text = await ExpositionAsync();

        Assert.Contains("# HELP checkout_duration_seconds Checkout latency.\n# TYPE checkout_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("checkout_duration_seconds_bucket{shop=\"a\\\"b\",le=\"0.1\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("checkout_duration_seconds_bucket{shop=\"a\\\"b\",le=\"0.5\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("checkout_duration_seconds_bucket{shop=\"a\\\"b\",le=\"+Inf\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE payment_duration_seconds summary\n", text, StringComparison.Ordinal);
        Assert.Contains("payment_duration_seconds{quantile=\"0.9\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("payment_duration_seconds_count 1\n", text, StringComparison.Ordinal);
    }
}
