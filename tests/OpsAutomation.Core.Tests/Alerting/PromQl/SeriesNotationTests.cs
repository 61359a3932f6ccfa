using OpsAutomation.Core.Alerting.Rules.PromQl;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

/// <summary>promtool's series notation (Prometheus docs, "Unit testing for rules": 'a+bxn' is n+1 values).</summary>
public sealed class SeriesNotationTests
{
    private static readonly double Stale = SeriesStore.StaleMarker;

    public static TheoryData<string, double?[]> Expansions => new()
    {
        { "1+1x3", [1, 2, 3, 4] },
        { "5-2x2", [5, 3, 1] },
        { "-1+1x2", [-1, 0, 1] },
        { "1x5", [1, 1, 1, 1, 1, 1] },
        { "0 1 _x3 stale", [0, 1, null, null, null, Stale] },
        { "_ 2 _", [null, 2, null] },
        { "1e3+1e3x1 .5", [1000, 2000, 0.5] },
        { "Inf -Inf +3", [double.PositiveInfinity, double.NegativeInfinity, 3] },
        { "  7   8 ", [7, 8] },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(Expansions))]
    public void Values_expand_as_promtool_expands_them(string values, double?[] expected)
    {
        var actual = SeriesNotation.Expand(values);

        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected[i] is { } e && SeriesStore.IsStale(e)) Assert.True(actual[i] is { } a && SeriesStore.IsStale(a), $"value {i} is not stale");
            else Assert.Equal(expected[i], actual[i]);
        }
    }

    [Fact]
    public void NaN_is_a_value()
    {
        var value = Assert.Single(SeriesNotation.Expand("NaN"));
        Assert.True(value is { } v && double.IsNaN(v) && !SeriesStore.IsStale(v));
    }

    [Fact]
    public void Increments_accumulate_step_by_step_as_promtool_adds_them()
    {
        var values = SeriesNotation.Expand("0+0.1x3");

        Assert.Equal(0.1 + 0.1 + 0.1, values[3]);
    }

    [Theory]
    [InlineData("1 abc", "'abc' at position 3")]
    [InlineData("1+1", "'1+1' at position 1")]
    [InlineData("1x", "'1x' at position 1")]
    [InlineData("2 stalex2", "'stalex2' at position 3")]
    [InlineData("1+zx3", "'1+zx3' at position 1")]
    public void Bad_values_name_the_token_and_position(string values, string where)
    {
        var error = Assert.Throws<FormatException>(() => SeriesNotation.Expand(values));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Series_parse_to_labels_with_the_metric_name()
    {
        var (labels, name) = SeriesNotation.ParseSeries("http_requests_total{job=\"api\", path=\"/a\\\"b\",}");

        Assert.Equal("http_requests_total", name);
        Assert.Equal(new Dictionary<string, string> { ["__name__"] = "http_requests_total", ["job"] = "api", ["path"] = "/a\"b" }, labels);
        Assert.Equal(new Dictionary<string, string> { ["__name__"] = "up" }, SeriesNotation.ParseSeries("{__name__=\"up\"}").Labels);
        Assert.Equal("job:rate:sum", SeriesNotation.ParseSeries("job:rate:sum").MetricName);
        Assert.Empty(SeriesNotation.ParseSeries("{}").Labels);
    }

    [Theory]
    [InlineData("up{job=api}", "unexpected 'api' at position 8")]
    [InlineData("up{job=\"a\"", "unexpected end at position 11")]
    [InlineData("up{job=\"a\", job=\"b\"}", "unexpected 'job' at position 13, expected each label once")]
    [InlineData("up{job!=\"a\"}", "unexpected '!=' at position 7")]
    [InlineData("", "unexpected end at position 1")]
    [InlineData("up down", "unexpected 'down' at position 4")]
    public void Bad_series_name_the_token_and_position(string text, string where)
    {
        var error = Assert.Throws<FormatException>(() => SeriesNotation.ParseSeries(text));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
    }
}
