using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.Metrics;

public sealed class MetricNameRulesTests
{
    [Theory]
    [InlineData("orders_processed_total", MetricType.Counter)]
    [InlineData("_hidden_total", MetricType.Counter)]
    [InlineData("queue_depth", MetricType.Gauge)]
    [InlineData("checkout_duration_seconds", MetricType.Histogram)]
    [InlineData("payload_size_bytes", MetricType.Summary)]
    public void Names_that_follow_the_rules_pass(string name, MetricType type) => MetricNameRules.ValidateMetricName(name, type);

    [Theory]
    [InlineData("1orders_total", MetricType.Counter, "must match [a-zA-Z_:][a-zA-Z0-9_:]*")]
    [InlineData("orders-total", MetricType.Counter, "must match")]
    [InlineData("", MetricType.Gauge, "must match")]
    [InlineData("__internal_total", MetricType.Counter, "starting with __")]
    [InlineData("job:orders:rate5m", MetricType.Gauge, "colons are reserved")]
    [InlineData("ops_orders_total", MetricType.Counter, "reserved for the module")]
    [InlineData("ordersProcessed_total", MetricType.Counter, "snake_case")]
    [InlineData("orders_processed", MetricType.Counter, "ends in _total")]
    [InlineData("queue_depth_total", MetricType.Gauge, "only counters end in _total")]
    [InlineData("request_count", MetricType.Gauge, "suffix _count is reserved")]
    [InlineData("latency_bucket", MetricType.Gauge, "suffix _bucket is reserved")]
    [InlineData("queue_gauge", MetricType.Gauge, "type (gauge)")]
    [InlineData("latency_milliseconds", MetricType.Histogram, "base unit seconds instead of milliseconds")]
    [InlineData("payload_kilobytes", MetricType.Gauge, "base unit bytes instead of kilobytes")]
    [InlineData("latency_ms", MetricType.Histogram, "unit 'ms'")]
    [InlineData("uptime_hours", MetricType.Gauge, "seconds instead of hours")]
    public void A_name_that_breaks_a_rule_is_refused_naming_it(string name, MetricType type, string reason)
    {
        var error = Assert.Throws<MetricDefinitionException>(() => MetricNameRules.ValidateMetricName(name, type));
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("region", MetricType.Counter)]
    [InlineData("_private", MetricType.Gauge)]
    [InlineData("le", MetricType.Summary)]
    [InlineData("quantile", MetricType.Histogram)]
    public void Label_names_that_follow_the_rules_pass(string label, MetricType type) => MetricNameRules.ValidateLabelName("m", label, type);

    [Theory]
    [InlineData("9region", MetricType.Counter, "must match [a-zA-Z_][a-zA-Z0-9_]*")]
    [InlineData("region:eu", MetricType.Counter, "must match")]
    [InlineData("__name__", MetricType.Gauge, "starting with __")]
    [InlineData("orderType", MetricType.Gauge, "snake_case")]
    [InlineData("le", MetricType.Histogram, "bucket bound")]
    [InlineData("quantile", MetricType.Summary, "holds the quantile")]
    public void A_label_name_that_breaks_a_rule_is_refused_naming_it(string label, MetricType type, string reason)
    {
        var error = Assert.Throws<MetricDefinitionException>(() => MetricNameRules.ValidateLabelName("m", label, type));
        Assert.Contains($"'{label}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
