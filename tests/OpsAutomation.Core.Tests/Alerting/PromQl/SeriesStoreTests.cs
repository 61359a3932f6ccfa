using OpsAutomation.Core.Alerting.Rules.PromQl;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

public sealed class SeriesStoreTests
{
    private static Dictionary<string, string> Labels(string name, params (string Name, string Value)[] labels)
    {
        var result = new Dictionary<string, string> { ["__name__"] = name };
        foreach (var (n, v) in labels) result[n] = v;
        return result;
    }

    [Fact]
    public void The_stale_marker_is_Prometheus_stale_NaN()
    {
        Assert.Equal(0x7ff0000000000002, BitConverter.DoubleToInt64Bits(SeriesStore.StaleMarker));
        Assert.True(SeriesStore.IsStale(SeriesStore.StaleMarker));
        Assert.False(SeriesStore.IsStale(double.NaN));
        Assert.False(SeriesStore.IsStale(1));
    }

    [Fact]
    public void Points_of_one_label_set_form_one_series_whatever_the_label_order()
    {
        var store = new SeriesStore();
        store.Add(Labels("up", ("job", "a"), ("instance", "x")), 0, 1);
        store.Add(new Dictionary<string, string> { ["instance"] = "x", ["job"] = "a", ["__name__"] = "up", ["empty"] = "" }, 1000, 0);

        Assert.Equal(1, store.SeriesCount);
        var series = Assert.Single(store.Select([new LabelMatcher("__name__", LabelMatchType.Equal, "up")], 0, 1000));
        Assert.Equal([0L, 1000L], series.Timestamps);
        Assert.Equal([1.0, 0.0], series.Values);
        Assert.False(series.Labels.ContainsKey("empty"));
    }

    [Fact]
    public void A_dictionary_changed_between_points_makes_another_series()
    {
        var store = new SeriesStore();
        var labels = Labels("up", ("job", "a"));
        store.Add(labels, 0, 1);
        labels["job"] = "b";
        store.Add(labels, 0, 2);
        labels["instance"] = "x";
        store.Add(labels, 0, 3);
        labels.Remove("instance");
        store.Add(labels, 1000, 4);

        Assert.Equal(3, store.SeriesCount);
        var b = Assert.Single(store.Select([new LabelMatcher("job", LabelMatchType.Equal, "b"), new LabelMatcher("instance", LabelMatchType.Equal, "")], 0, 1000));
        Assert.Equal([2.0, 4.0], b.Values);
    }

    [Fact]
    public void An_older_or_equal_timestamp_is_refused_naming_series_and_time()
    {
        var store = new SeriesStore();
        store.Add(Labels("up", ("job", "a")), 5000, 1);

        var error = Assert.Throws<ArgumentException>(() => store.Add(Labels("up", ("job", "a")), 5000, 1));

        Assert.Contains("{__name__=\"up\", job=\"a\"}", error.Message, StringComparison.Ordinal);
        Assert.Contains("5000 ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_applies_every_matcher_and_the_time_window()
    {
        var store = new SeriesStore();
        store.Add(Labels("http", ("code", "200")), 0, 1);
        store.Add(Labels("http", ("code", "500")), 0, 1);
        store.Add(Labels("http", ("code", "503")), 60_000, 1);
        store.Add(Labels("other", ("code", "500")), 0, 1);

        string Codes(IReadOnlyList<LabelMatcher> matchers, long min, long max) =>
            string.Join(",", store.Select(matchers, min, max).Select(s => s.Labels["__name__"] + ":" + s.Labels["code"]).Order(StringComparer.Ordinal));

        var http = new LabelMatcher("__name__", LabelMatchType.Equal, "http");
        Assert.Equal("http:500,http:503", Codes([http, new LabelMatcher("code", LabelMatchType.Regex, "5..")], 0, 60_000));
        Assert.Equal("http:500", Codes([http, new LabelMatcher("code", LabelMatchType.Regex, "5..")], 0, 59_999));
        Assert.Equal("http:503", Codes([http, new LabelMatcher("code", LabelMatchType.Regex, "5..")], 1, 60_000));
        Assert.Equal("http:200", Codes([http, new LabelMatcher("code", LabelMatchType.NotRegex, "5.*")], 0, 60_000));
        Assert.Equal("http:500,other:500", Codes([new LabelMatcher("code", LabelMatchType.Equal, "500")], 0, 0));
        Assert.Equal("", Codes([http, new LabelMatcher("code", LabelMatchType.Equal, "404")], 0, 60_000));
        Assert.Equal("http:200,http:500,http:503,other:500", Codes([new LabelMatcher("missing", LabelMatchType.Equal, "")], 0, 60_000));
    }

    [Theory]
    [InlineData(LabelMatchType.Equal, "a", "a", true)]
    [InlineData(LabelMatchType.Equal, "", null, true)]
    [InlineData(LabelMatchType.NotEqual, "a", null, true)]
    [InlineData(LabelMatchType.Regex, "5..", "500", true)]
    [InlineData(LabelMatchType.Regex, "5", "500", false)]
    [InlineData(LabelMatchType.Regex, "a|b", "ab", false)]
    [InlineData(LabelMatchType.Regex, ".*", null, true)]
    [InlineData(LabelMatchType.Regex, "a$", "a\n", false)]
    [InlineData(LabelMatchType.NotRegex, "a.*", "abc", false)]
    [InlineData(LabelMatchType.NotRegex, "a.*", "bc", true)]
    public void Matchers_compare_fully_anchored_and_absent_as_empty(LabelMatchType type, string value, string? label, bool matches) =>
        Assert.Equal(matches, new LabelMatcher("l", type, value).Matches(label));
}
