using OpsAutomation.Core.Http;
using OpsAutomation.Core.Metrics.Exposition;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.Metrics.Exposition;

/// <summary>Scrapes of the real Prometheus and Pushgateway that ./build.ps1 Test starts.</summary>
public sealed class MetricScraperTests : IDisposable
{
    private readonly HttpClientProvider _http = new();
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);

    public void Dispose()
    {
        _pipelines.Dispose();
        _http.Dispose();
    }

    private MetricScraper Scraper() => new(_http, _pipelines, TimeProvider.System);

    private static Uri Service(string variable, string name)
    {
        var url = Environment.GetEnvironmentVariable(variable);
        Assert.False(string.IsNullOrEmpty(url), $"This test needs the real {name}: run it through ./build.ps1 Test, which starts it and sets {variable}.");
        return new Uri(url!.TrimEnd('/') + "/metrics");
    }

    // Prometheus 2.42 (Debian bookworm) and its Pushgateway answer 0.0.4 even when OpenMetrics is preferred.
    [Fact]
    public async Task The_real_prometheus_exposition_parses_into_typed_families()
    {
        var uri = Service("OPS_TEST_PROMETHEUS_URL", "Prometheus");
        var samples = await Scraper().ScrapeAsync(uri, new ScrapeOptions(), CancellationToken.None);

        var requests = samples.Where(s => s.Family == "prometheus_http_requests_total").ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, s => Assert.Equal((MetricType.Counter, "Counter of HTTP requests."), (s.Type, s.Help)));
        var durations = samples.Where(s => s.Family == "prometheus_http_request_duration_seconds").ToList();
        Assert.Contains(durations, s => s.Name.EndsWith("_bucket", StringComparison.Ordinal) && s.Labels["le"] == "+Inf");
        Assert.Contains(durations, s => s.Name.EndsWith("_count", StringComparison.Ordinal));
        Assert.All(durations, s => Assert.Equal(MetricType.Histogram, s.Type));
        Assert.All(samples, s => Assert.Equal(uri, s.Source));
    }

    [Fact]
    public async Task The_source_of_a_sample_holds_no_credentials_of_the_scrape_uri()
    {
        await using var server = new FaultServer(body: "up 1\n", contentType: "text/plain; version=0.0.4");
        var uri = new Uri($"http://scraper:pa55-word-77@127.0.0.1:{server.Port}/metrics?token=tok-88-secret&job=node");

        var sample = Assert.Single(await Scraper().ScrapeAsync(uri, new ScrapeOptions(), CancellationToken.None));

        var source = sample.Source!.ToString();
        Assert.Equal("", sample.Source.UserInfo);
        Assert.DoesNotContain("pa55-word-77", source, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-88-secret", source, StringComparison.Ordinal);
        Assert.Equal($"127.0.0.1:{server.Port}/metrics", sample.Source.Authority + sample.Source.AbsolutePath);
        Assert.Contains("job=node", source, StringComparison.Ordinal);
    }

    /// <summary>OpenMetrics as a real client library writes it: prometheus-net's serializer.</summary>
    [Fact]
    public async Task Openmetrics_written_by_prometheus_net_parses_with_every_suffix_in_its_family()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        factory.CreateCounter("jobs_total", "Jobs done so far.", "queue").WithLabels("a\"b").Inc(3);
        factory.CreateHistogram("job_duration_seconds", "Job time.", new Prometheus.HistogramConfiguration { Buckets = [0.1, 1] }).Observe(0.5);
        factory.CreateGauge("queue_depth", "Depth.").Set(double.NaN);
        factory.CreateSummary("job_size_bytes", "Sizes.", new Prometheus.SummaryConfiguration { Objectives = [new(0.5, 0.05)] }).Observe(10);
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, Prometheus.ExpositionFormat.OpenMetricsText);

        var samples = ExpositionParser.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()), ExpositionFormat.OpenMetrics);

        var jobs = Assert.Single(samples, s => s.Name == "jobs_total");
        Assert.Equal(("jobs", MetricType.Counter, 3.0, "a\"b"), (jobs.Family, jobs.Type, jobs.Value, jobs.Labels["queue"]));
        Assert.Equal(3, samples.Count(s => s.Family == "job_duration_seconds" && s.Name == "job_duration_seconds_bucket"));
        Assert.True(double.IsNaN(Assert.Single(samples, s => s.Family == "queue_depth").Value));
        Assert.Contains(samples, s => s.Family == "job_size_bytes" && s.Type == MetricType.Summary && s.Labels.ContainsKey("quantile"));
    }

    [Fact]
    public async Task The_real_pushgateway_exposition_parses()
    {
        var samples = await Scraper().ScrapeAsync(Service("OPS_TEST_PUSHGATEWAY_URL", "Pushgateway"), new ScrapeOptions(), CancellationToken.None);
        Assert.Contains(samples, s => s.Family == "pushgateway_build_info" || s.Family == "go_goroutines");
    }

    [Fact]
    public async Task Rates_between_two_scrapes_of_the_real_prometheus_are_not_negative()
    {
        var uri = Service("OPS_TEST_PROMETHEUS_URL", "Prometheus");
        // The first scrape ever creates the handler's series; the next two both see it, and the later sees the earlier counted.
        await Scraper().ScrapeAsync(uri, new ScrapeOptions(), CancellationToken.None);
        var first = await Scraper().ScrapeAsync(uri, new ScrapeOptions(), CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var second = await Scraper().ScrapeAsync(uri, new ScrapeOptions(), CancellationToken.None);
        var rates = MetricDerivations.Rates(first, second).ToList();
        Assert.Contains(rates, r => r.Name == "prometheus_http_requests_total" && r.Labels["handler"] == "/metrics" && r.Increase >= 1);
        Assert.All(rates, r => Assert.True(r.Rate >= 0, $"{r.Name} {r.Rate}"));
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_a_scrape_failure()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await Assert.ThrowsAsync<ScrapeFailedException>(() =>
            Scraper().ScrapeAsync(new Uri($"http://127.0.0.1:{port}/metrics"), new ScrapeOptions { Timeout = TimeSpan.FromSeconds(2) }, CancellationToken.None));
    }
}
