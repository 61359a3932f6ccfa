using System.Text;
using System.Text.Json;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Metrics;

public sealed class PushgatewayClientTests
{
    [Theory]
    [InlineData("job1", null, null, "http://pg:9091/metrics/job/job1")]
    [InlineData("job1", "instance", "web-1", "http://pg:9091/metrics/job/job1/instance/web-1")]
    [InlineData("job1", "path", "/var/tmp", "http://pg:9091/metrics/job/job1/path@base64/L3Zhci90bXA")]
    [InlineData("a/b", null, null, "http://pg:9091/metrics/job@base64/YS9i")]
    [InlineData("job1", "empty", "", "http://pg:9091/metrics/job/job1/empty@base64/=")]
    public void The_group_uri_follows_the_pushgateway_encoding(string job, string? label, string? value, string expected)
    {
        var key = label is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [label] = value! };
        Assert.Equal(expected, PushgatewayClient.GroupUri(new PushgatewayTarget { BaseUri = new Uri("http://pg:9091"), Job = job, GroupingKey = key }).AbsoluteUri);
    }

    /// <summary>Against the real Pushgateway that ./build.ps1 Test starts (OPS_TEST_PUSHGATEWAY_URL).</summary>
    [Fact]
    public async Task Put_post_and_delete_against_a_real_pushgateway()
    {
        var url = Environment.GetEnvironmentVariable("OPS_TEST_PUSHGATEWAY_URL");
        Assert.False(string.IsNullOrEmpty(url), "This test needs the real Pushgateway: run it through ./build.ps1 Test, which starts it and sets OPS_TEST_PUSHGATEWAY_URL.");
        using var http = new HttpClient();
        var client = new PushgatewayClient(http);
        var target = new PushgatewayTarget
        {
            BaseUri = new Uri(url!), Job = "core-tests", GroupingKey = new Dictionary<string, string> { ["instance"] = Guid.NewGuid().ToString("N") },
        };
        var metrics = new OpsMetrics();
        metrics.RecordHealthCheck(new HealthCheckResult
        {
            Name = "web", Kind = HealthCheckKind.Http, Target = "http://web/", Status = HealthStatus.Healthy, RunId = "r", Timestamp = DateTimeOffset.UtcNow,
        });

        await client.PushAsync(target, await metrics.ExportTextAsync(CancellationToken.None), PushMethod.Put, CancellationToken.None);
        Assert.Equal("1", await ReadUpAsync(http, url!, target.GroupingKey["instance"]));

        await client.PushAsync(target, Encoding.UTF8.GetBytes("ops_extra 5\n"), PushMethod.Post, CancellationToken.None);
        Assert.Equal("1", await ReadUpAsync(http, url!, target.GroupingKey["instance"]));

        await client.DeleteAsync(target, CancellationToken.None);
        Assert.Null(await ReadUpAsync(http, url!, target.GroupingKey["instance"]));
    }

    private static async Task<string?> ReadUpAsync(HttpClient http, string url, string instance)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(new Uri(url), "/api/v1/metrics")));
        foreach (var group in document.RootElement.GetProperty("data").EnumerateArray())
        {
            if (group.GetProperty("labels").TryGetProperty("instance", out var i) && i.GetString() == instance && group.TryGetProperty("ops_health_up", out var up))
                return up.GetProperty("metrics")[0].GetProperty("value").GetString();
        }
        return null;
    }
}

public sealed class PushgatewayGroupListTests
{
    /// <summary>Captured from Debian's prometheus-pushgateway 1.5.1 after a push to /metrics/job/batch/instance/web-1.</summary>
    private const string Captured = """
        {"status":"success","data":[{"labels":{"instance":"web-1","job":"batch"},"last_push_successful":true,
        "orders_total":{"time_stamp":"2026-11-28T21:19:55.775031767Z","type":"UNTYPED","metrics":[{"labels":{"instance":"web-1","job":"batch"},"value":"3"}]},
        "push_failure_time_seconds":{"time_stamp":"2026-11-28T21:19:55.775031767Z","type":"GAUGE","help":"Last Unix time when changing this group in the Pushgateway failed.","metrics":[{"labels":{"instance":"web-1","job":"batch"},"value":"0"}]},
        "push_time_seconds":{"time_stamp":"2026-11-28T21:19:55.775031767Z","type":"GAUGE","help":"Last Unix time when changing this group in the Pushgateway succeeded.","metrics":[{"labels":{"instance":"web-1","job":"batch"},"value":"1.7959007957750318e+09"}]}}]}
        """;

    [Fact]
    public void Groups_carry_job_grouping_key_and_last_push_time()
    {
        var group = Assert.Single(PushgatewayClient.ParseGroups(Captured));
        Assert.Equal("batch", group.Job);
        Assert.Equal(new Dictionary<string, string> { ["instance"] = "web-1" }, group.GroupingKey);
        Assert.Equal(DateTimeOffset.Parse("2026-11-28T21:19:55.775Z", System.Globalization.CultureInfo.InvariantCulture), group.LastPush);
    }

    [Fact]
    public void A_group_without_push_time_is_an_error_not_a_silent_skip()
    {
        Assert.Throws<KeyNotFoundException>(() => PushgatewayClient.ParseGroups("""{"status":"success","data":[{"labels":{"job":"x"}}]}"""));
    }
}
