using System.Diagnostics;
using System.Globalization;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Deployment.Validation;

/// <summary>
/// An application's /metrics on 127.0.0.1 with a known error ratio (18 of every 100 requests are
/// 5xx) and latency histogram (p95 about 0.47 s), scraped every second by the real Prometheus the
/// test services start (a target file in OPS_TEST_PROMETHEUS_SD_DIR), under a label unique to
/// this run, so queries select only this application.
/// </summary>
public sealed class ApplicationMetricsFixture : IAsyncLifetime
{
    private FaultServer? _server;
    private string? _targetFile;

    public string Selector { get; } = $"gate_test=\"{Guid.NewGuid():N}\"";

    public HttpClientProvider Http { get; } = new();

    public ResiliencePipelineProvider Pipelines { get; } = new(TimeProvider.System);

    public string ErrorRatio => $"sum(rate(http_requests_total{{code=~\"5..\",{Selector}}}[1m])) / sum(rate(http_requests_total{{{Selector}}}[1m]))";

    public string P95Latency => $"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{{Selector}}}[1m])))";

    /// <summary>One series per status code: several series.</summary>
    public string RatePerCode => $"sum by (code) (rate(http_requests_total{{{Selector}}}[1m]))";

    public static Uri PrometheusUri()
    {
        var url = Environment.GetEnvironmentVariable("OPS_TEST_PROMETHEUS_URL");
        Assert.False(string.IsNullOrEmpty(url), "This test needs the real Prometheus: run it through ./build.ps1 Test, or Start-TestServices -Services Prometheus, which sets OPS_TEST_PROMETHEUS_URL.");
        return new Uri(url!);
    }

    public PrometheusQueryEngine Engine() => new(Http, Pipelines, PrometheusUri(), new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(10) });

    public async Task InitializeAsync()
    {
        var targets = Environment.GetEnvironmentVariable("OPS_TEST_PROMETHEUS_SD_DIR");
        Assert.False(string.IsNullOrEmpty(targets), "This test needs the Prometheus of the test services, which scrapes the target files of OPS_TEST_PROMETHEUS_SD_DIR.");
        var engine = Engine();
        _server = new FaultServer(respond: n => (200, Exposition(n)), contentType: "text/plain; version=0.0.4; charset=utf-8");
        _targetFile = Path.Combine(targets!, $"gates-{Guid.NewGuid():N}.json");
        var label = Selector.Split('=')[1];
        // Written whole, then renamed: Prometheus never reads half a file.
        await File.WriteAllTextAsync(_targetFile + ".tmp", $"[{{\"targets\":[\"127.0.0.1:{_server.Port}\"],\"labels\":{{\"gate_test\":{label}}}}}]");
        File.Move(_targetFile + ".tmp", _targetFile);

        // Two scrapes make a rate; Prometheus reads the file within a second and scrapes every second.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var answer = await engine.QueryAsync(ErrorRatio, DateTimeOffset.UtcNow, CancellationToken.None);
            if (answer.Error is null && answer.Samples.Count == 1 && !double.IsNaN(answer.Samples[0].Value)) break;
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), $"Prometheus has no error ratio of the test application within a minute (last answer: {answer.Error ?? $"{answer.Samples.Count} series"})");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    public async Task DisposeAsync()
    {
        if (_targetFile is not null) File.Delete(_targetFile);
        if (_server is not null) await _server.DisposeAsync();
        Pipelines.Dispose();
        Http.Dispose();
    }

    /// <summary>The counters after <paramref name="scrape"/> scrapes: 100 requests a scrape, 18 of them 500s; latencies in the buckets below.</summary>
    private static string Exposition(int scrape)
    {
        string N(int perScrape) => (perScrape * scrape).ToString(CultureInfo.InvariantCulture);
        return "# TYPE http_requests_total counter\n" +
            $"http_requests_total{{code=\"200\"}} {N(82)}\n" +
            $"http_requests_total{{code=\"500\"}} {N(18)}\n" +
            "# TYPE http_request_duration_seconds histogram\n" +
            $"http_request_duration_seconds_bucket{{le=\"0.1\"}} {N(50)}\n" +
            $"http_request_duration_seconds_bucket{{le=\"0.25\"}} {N(80)}\n" +
            $"http_request_duration_seconds_bucket{{le=\"0.5\"}} {N(97)}\n" +
            $"http_request_duration_seconds_bucket{{le=\"1\"}} {N(100)}\n" +
            $"http_request_duration_seconds_bucket{{le=\"+Inf\"}} {N(100)}\n" +
            $"http_request_duration_seconds_sum {N(20)}\n" +
            $"http_request_duration_seconds_count {N(100)}\n";
    }
}
