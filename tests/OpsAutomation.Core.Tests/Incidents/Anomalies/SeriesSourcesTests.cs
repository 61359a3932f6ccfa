using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Incidents.Anomalies;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.Incidents.Anomalies;

/// <summary>Series from a range query's answer, from the state store's kept samples, and from samples.</summary>
public sealed class SeriesSourcesTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ARangeAnswerBecomesOneSeriesPerMatrixEntry()
    {
        const string body = """
            {"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"up","job":"api"},"values":[[1700000000,"1"],[1700000060.5,"NaN"],[1700000120,"+Inf"]]},
              {"metric":{"job":"db"},"values":[[1700000000,"0"]]}]}}
            """;
        var result = PrometheusQueryEngine.InterpretRange(200, body);
        Assert.Null(result.Error);
        Assert.Equal(2, result.Series.Count);
        var up = SeriesSources.FromRange(result.Series[0]);
        Assert.Equal("up{job=\"api\"}", up.Name);
        Assert.Equal([1700000000000L, 1700000060500, 1700000120000], up.TimestampsMs);
        Assert.Equal(1.0, up.Values[0]);
        Assert.True(double.IsNaN(up.Values[1]));
        Assert.True(double.IsNaN(up.Values[2]));
        Assert.Equal("{job=\"db\"}", SeriesSources.FromRange(result.Series[1]).Name);
    }

    [Theory]
    [InlineData("""{"status":"error","errorType":"bad_data","error":"parse error"}""", "Prometheus refused the query (bad_data): parse error")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[]}}""", "the range query returned a vector, not a matrix")]
    [InlineData("<html>", "Prometheus answered HTTP 200 with a body that is not JSON")]
    public void ARangeAnswerThatIsNoMatrixSaysWhy(string body, string error) =>
        Assert.Equal(error, PrometheusQueryEngine.InterpretRange(200, body).Error);

    [Fact]
    public async Task KeptSamplesComeBackAsSeriesOfTheSelectedLabelSets()
    {
        var store = await StateStore.OpenAsync(_directory.Path, CancellationToken.None);
        var history = new MetricHistoryStore(store);
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 5; i++)
        {
            await history.AppendAsync([
                new HistorySample(new Dictionary<string, string> { ["__name__"] = "ops_a", ["service"] = "x" }, i),
                new HistorySample(new Dictionary<string, string> { ["__name__"] = "ops_a", ["service"] = "y" }, 10 + i),
                new HistorySample(new Dictionary<string, string> { ["__name__"] = "ops_b" }, i == 2 ? double.NaN : 20 + i),
            ], start.AddMinutes(i), CancellationToken.None);
        }
        var series = new List<TimeSeries>();
        await foreach (var s in SeriesSources.FromHistoryAsync(history, start, start.AddHours(1), l => l.GetValueOrDefault("service") != "y", CancellationToken.None))
            series.Add(s);
        Assert.Equal(["ops_a{service=\"x\"}", "ops_b"], series.Select(s => s.Name).Order());
        var b = series.Single(s => s.Metric == "ops_b");
        Assert.Equal(5, b.Count);
        Assert.True(double.IsNaN(b.Values[2]));
        Assert.Equal([0.0, 1, 2, 3, 4], series.Single(s => s.Metric == "ops_a").Values);
    }

    [Fact]
    public void SamplesAreGroupedByNameAndLabelsAtTheirTimestamps()
    {
        var t = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        MetricSample Sample(string job, int minute, double value, bool scraped = false) => new()
        {
            Name = "m", Family = "m", Labels = new Dictionary<string, string> { ["job"] = job }, Value = value,
            Timestamp = scraped ? null : t.AddMinutes(minute), ScrapedAt = t.AddMinutes(minute),
        };
        var series = SeriesSources.FromSamples([Sample("a", 2, 2), Sample("b", 0, 5), Sample("a", 0, 0), Sample("a", 1, 1, scraped: true)]);
        Assert.Equal(["m{job=\"a\"}", "m{job=\"b\"}"], series.Select(s => s.Name));
        Assert.Equal([0.0, 1, 2], series[0].Values);
    }
}
