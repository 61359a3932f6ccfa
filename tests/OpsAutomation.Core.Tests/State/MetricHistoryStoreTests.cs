using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.State;

public sealed class MetricHistoryStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private static MetricSample Sample(string name, double value, params (string Name, string Value)[] labels) => new()
    {
        Name = name,
        Family = name,
        Value = value,
        Labels = labels.ToDictionary(l => l.Name, l => l.Value),
    };

    [Fact]
    public async Task Kept_samples_come_back_as_series_with_their_points_in_time_order_and_NaN_intact()
    {
        using var directory = new TempDirectory();
        var history = new SampleHistory(new MetricHistoryStore(await StateStore.OpenAsync(directory.Path, CancellationToken.None)));
        await history.RecordAsync([Sample("jobs_total", 5, ("queue", "a")), Sample("temp", double.NaN)], T0, TimeSpan.FromHours(1), CancellationToken.None);
        await history.RecordAsync([Sample("jobs_total", 65, ("queue", "a"))], T0.AddMinutes(1), TimeSpan.FromHours(1), CancellationToken.None);

        var series = await history.LoadAsync(T0.AddMinutes(-5), T0.AddMinutes(1), CancellationToken.None);
        var engine = new PromQlEngine(series);

        Assert.Equal(2, series.SeriesCount);
        var rate = engine.Query("increase(jobs_total[5m])", T0.AddMinutes(1));
        Assert.Null(rate.Error);
        Assert.Equal("a", Assert.Single(rate.Samples).Labels["queue"]);
        Assert.True(double.IsNaN(Assert.Single(engine.Query("temp", T0.AddMinutes(1)).Samples).Value));
    }

    [Fact]
    public async Task Samples_older_than_the_retention_are_forgotten()
    {
        using var directory = new TempDirectory();
        var history = new SampleHistory(new MetricHistoryStore(await StateStore.OpenAsync(directory.Path, CancellationToken.None)));
        await history.RecordAsync([Sample("old_only", 1), Sample("g", 1)], T0, TimeSpan.FromHours(1), CancellationToken.None);
        await history.RecordAsync([Sample("g", 2)], T0.AddHours(2), TimeSpan.FromHours(1), CancellationToken.None);

        var series = await history.LoadAsync(T0.AddDays(-1), T0.AddHours(2), CancellationToken.None);

        Assert.Equal(1, series.SeriesCount);
        Assert.Empty(new PromQlEngine(series).Query("old_only", T0.AddMinutes(1)).Samples);
    }

    [Fact]
    public async Task Two_samples_with_one_label_set_are_refused_naming_it()
    {
        using var directory = new TempDirectory();
        var history = new SampleHistory(new MetricHistoryStore(await StateStore.OpenAsync(directory.Path, CancellationToken.None)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            history.RecordAsync([Sample("up", 1, ("job", "x")), Sample("up", 0, ("job", "x"))], T0, TimeSpan.FromHours(1), CancellationToken.None));

        Assert.Contains("up{job=\"x\"}", error.Message);
    }

    [Theory]
    [InlineData("up", 300)]
    [InlineData("rate(x[10m]) > 0", 600)]
    [InlineData("sum_over_time(x[1h]) / count_over_time(y[90s])", 3600)]
    [InlineData("vector(1)", 0)]
    public void The_window_of_an_expression_is_its_longest_range_or_the_lookback(string expression, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ExpressionWindow.Of(expression));
    }
}
