using System.Globalization;
using System.Text.Json;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Models.Health;
using static OpsAutomation.Core.Tests.Reporting.ReportSamples;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed class JsonHealthReportRendererTests
{
    private static JsonElement Parse(HealthReport report) => JsonDocument.Parse(JsonHealthReportRenderer.Render(report)).RootElement;

    [Fact]
    public void Has_the_schema_fields_in_camel_case()
    {
        var root = Parse(Report());
        Assert.Equal(
            ["schemaVersion", "title", "generatedAt", "runIds", "overallStatus", "counts", "trendWindowMs", "sloTargetPercent", "results", "trends", "trendSeries"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("Prod health", root.GetProperty("title").GetString());
        Assert.Equal("Unreachable", root.GetProperty("overallStatus").GetString());
        Assert.Equal(["run-1", "run-2"], root.GetProperty("runIds").EnumerateArray().Select(e => e.GetString()).Order());
        var counts = root.GetProperty("counts");
        Assert.Equal((6, 2, 1, 1, 1, 1), (counts.GetProperty("total").GetInt32(), counts.GetProperty("healthy").GetInt32(), counts.GetProperty("degraded").GetInt32(),
            counts.GetProperty("unhealthy").GetInt32(), counts.GetProperty("unreachable").GetInt32(), counts.GetProperty("circuitOpen").GetInt32()));
        Assert.Equal(86_400_000, root.GetProperty("trendWindowMs").GetDouble());
        Assert.Equal(99.9, root.GetProperty("sloTargetPercent").GetDouble());
    }

    [Fact]
    public void Timestamps_are_iso_8601_utc()
    {
        var report = Report() with { GeneratedAt = new DateTimeOffset(2025, 3, 14, 11, 26, 53, TimeSpan.FromHours(2)) };
        var root = Parse(report);
        Assert.Equal("2025-03-14T09:26:53.000Z", root.GetProperty("generatedAt").GetString());
        var timestamp = root.GetProperty("results")[0].GetProperty("timestamp").GetString()!;
        Assert.EndsWith("Z", timestamp);
        Assert.Equal(Now.AddSeconds(-5), DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Results_are_worst_first_with_enums_as_strings_and_times_in_milliseconds()
    {
        var results = Parse(Report()).GetProperty("results");
        Assert.Equal(WorstFirst, results.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        var api = results.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "api");
        Assert.Equal("Unhealthy", api.GetProperty("status").GetString());
        Assert.Equal("HttpStatus", api.GetProperty("errorKind").GetString());
        Assert.Equal("Critical", api.GetProperty("severity").GetString());
        Assert.Equal(500, api.GetProperty("statusCode").GetInt32());
        Assert.Equal(42.4, api.GetProperty("responseTimeMs").GetDouble(), 3);
        Assert.Equal(ScriptError, api.GetProperty("error").GetString());
        Assert.Equal(1234, api.GetProperty("details").GetProperty("ContentLength").GetInt32());
        var queue = results[0];
        Assert.Equal(JsonValueKind.Null, queue.GetProperty("statusCode").ValueKind);
        Assert.Equal("2025-03-14T09:31:53.000Z", queue.GetProperty("nextProbeAt").GetString());
    }

    [Fact]
    public void Trends_have_milliseconds_and_slo_figures()
    {
        var api = Parse(Report()).GetProperty("trends")[0];
        Assert.Equal("api", api.GetProperty("name").GetString());
        Assert.Equal(99.875, api.GetProperty("availabilityPercent").GetDouble());
        Assert.Equal(450_000, api.GetProperty("longestOutageMs").GetDouble());
        Assert.Equal(1.25, api.GetProperty("burnRate").GetDouble());
        Assert.Equal(-25, api.GetProperty("errorBudgetRemainingPercent").GetDouble());
        Assert.Equal("Healthy", api.GetProperty("lastStatus").GetString());
    }

    [Fact]
    public void Without_trends_the_window_and_slo_are_null_and_the_list_empty()
    {
        var root = Parse(Report(withTrends: false));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("trendWindowMs").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("sloTargetPercent").ValueKind);
        Assert.Equal(0, root.GetProperty("trends").GetArrayLength());
        Assert.Equal(0, root.GetProperty("trendSeries").GetArrayLength());
    }

    [Fact]
    public void Trend_series_have_their_buckets_in_the_schema_conventions()
    {
        var series = Parse(Report()).GetProperty("trendSeries");
        Assert.Equal(["api", "web"], series.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var api = series[0];
        Assert.Equal(900_000, api.GetProperty("bucketMs").GetDouble());
        Assert.Equal("2025-03-13T09:26:53.000Z", api.GetProperty("from").GetString());
        var buckets = api.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(96, buckets.Count);
        var first = buckets[0];
        Assert.Equal("2025-03-13T09:41:53.000Z", first.GetProperty("end").GetString());
        Assert.Equal((2, 1, "Unreachable"), (first.GetProperty("checks").GetInt32(), first.GetProperty("failures").GetInt32(), first.GetProperty("worstStatus").GetString()));
        Assert.Equal(21, first.GetProperty("p99Ms").GetDouble());
        Assert.True(first.GetProperty("errorBudgetRemainingPercent").GetDouble() < 100);
    }

    [Fact]
    public void An_empty_bucket_has_null_status_and_percentiles()
    {
        var sparse = ReportSamples.Report() with
        {
            TrendSeries = [ReportSamples.History("api", 3) with { Buckets = [ReportSamples.History("api", 3).Buckets[0] with { Checks = 0, WorstStatus = null, P50Ms = null, P95Ms = null, P99Ms = null, ErrorBudgetRemainingPercent = null }] }],
        };
        var bucket = Parse(sparse).GetProperty("trendSeries")[0].GetProperty("buckets")[0];
        foreach (var name in new[] { "worstStatus", "p50Ms", "p95Ms", "p99Ms", "errorBudgetRemainingPercent" })
            Assert.Equal(JsonValueKind.Null, bucket.GetProperty(name).ValueKind);
    }

    [Fact]
    public void Details_of_any_shape_serialize_in_the_schema_conventions()
    {
        using var fromHistory = JsonDocument.Parse("""{"nested":{"a":1}}""");
        var result = Result("svc", HealthStatus.Healthy) with
        {
            Details = new Dictionary<string, object?>
            {
                ["Expires"] = new DateTimeOffset(2025, 6, 1, 2, 0, 0, TimeSpan.FromHours(2)),
                ["Elapsed"] = TimeSpan.FromSeconds(1.5),
                ["Addresses"] = new[] { "10.0.0.1", "10.0.0.2" },
                ["Headers"] = new Dictionary<string, string> { ["Server"] = "nginx" },
                ["FromHistory"] = fromHistory.RootElement.GetProperty("nested"),
                ["Kind"] = HealthCheckKind.Tcp,
            },
        };
        var details = Parse(HealthReportBuilder.Build("t", Now, [result])).GetProperty("results")[0].GetProperty("details");
        Assert.Equal("2025-06-01T00:00:00.000Z", details.GetProperty("Expires").GetString());
        Assert.Equal(1500, details.GetProperty("Elapsed").GetDouble());
        Assert.Equal(["10.0.0.1", "10.0.0.2"], details.GetProperty("Addresses").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("nginx", details.GetProperty("Headers").GetProperty("Server").GetString());
        Assert.Equal(1, details.GetProperty("FromHistory").GetProperty("a").GetInt32());
        Assert.Equal("Tcp", details.GetProperty("Kind").GetString());
    }
}
