using System.Text;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Metrics;

/// <summary>The health series OpsMetrics keeps per service: which exist, and what they hold after several checks.</summary>
public sealed class OpsMetricsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_outcome_counter_appears_once_that_outcome_happened()
    {
        var metrics = new OpsMetrics();
        metrics.RecordHealthCheck(Result("web", HealthStatus.Healthy));
        var text = await ExportAsync(metrics);
        Assert.Contains("ops_health_checks_total{service=\"web\",kind=\"http\",outcome=\"healthy\"} 1", text);
        Assert.DoesNotContain("outcome=\"unhealthy\"", text);

        metrics.RecordHealthCheck(Result("web", HealthStatus.Unhealthy));
        metrics.RecordHealthCheck(Result("web", HealthStatus.Unhealthy));
        text = await ExportAsync(metrics);
        Assert.Contains("ops_health_checks_total{service=\"web\",kind=\"http\",outcome=\"healthy\"} 1", text);
        Assert.Contains("ops_health_checks_total{service=\"web\",kind=\"http\",outcome=\"unhealthy\"} 2", text);
        Assert.Contains("ops_health_up{service=\"web\",kind=\"http\"} 0", text);
        Assert.Contains("ops_health_status{service=\"web\",kind=\"http\",status=\"unhealthy\"} 1", text);
        Assert.Contains("ops_health_status{service=\"web\",kind=\"http\",status=\"healthy\"} 0", text);
    }

    [Fact]
    public async Task The_certificate_expiry_appears_only_for_a_service_whose_check_saw_one()
    {
        var metrics = new OpsMetrics();
        var notAfter = At.AddDays(30);
        metrics.RecordHealthCheck(Result("plain", HealthStatus.Healthy));
        metrics.RecordHealthCheck(Result("tls", HealthStatus.Healthy) with
        {
            Details = new Dictionary<string, object?> { ["CertificateExpiresAt"] = notAfter },
        });
        var text = await ExportAsync(metrics);
        Assert.Contains($"ops_health_certificate_expiry_timestamp_seconds{{service=\"tls\"}} {notAfter.ToUnixTimeSeconds()}", text);
        Assert.DoesNotContain("ops_health_certificate_expiry_timestamp_seconds{service=\"plain\"}", text);
    }

    [Fact]
    public async Task One_name_checked_as_two_kinds_keeps_two_series()
    {
        var metrics = new OpsMetrics();
        metrics.RecordHealthCheck(Result("db", HealthStatus.Healthy));
        metrics.RecordHealthCheck(Result("db", HealthStatus.Unreachable) with { Kind = HealthCheckKind.Tcp });
        var text = await ExportAsync(metrics);
        Assert.Contains("ops_health_up{service=\"db\",kind=\"http\"} 1", text);
        Assert.Contains("ops_health_up{service=\"db\",kind=\"tcp\"} 0", text);
        Assert.Contains("ops_health_circuit_open{service=\"db\"} 0", text);
        Assert.Contains($"ops_health_last_check_timestamp_seconds{{service=\"db\",kind=\"tcp\"}} {At.ToUnixTimeSeconds()}", text);
    }

    [Fact]
    public async Task A_skipped_check_of_an_open_circuit_sets_circuit_open()
    {
        var metrics = new OpsMetrics();
        metrics.RecordHealthCheck(Result("api", HealthStatus.Unreachable));
        metrics.RecordHealthCheck(Result("api", HealthStatus.CircuitOpen));
        Assert.Contains("ops_health_circuit_open{service=\"api\"} 1", await ExportAsync(metrics));
    }

    private static HealthCheckResult Result(string name, HealthStatus status) => new()
    {
        Name = name, Kind = HealthCheckKind.Http, Target = $"http://{name}.test/", Status = status, RunId = "r", Timestamp = At,
        ResponseTime = TimeSpan.FromMilliseconds(20),
    };

    private static async Task<string> ExportAsync(OpsMetrics metrics) => Encoding.UTF8.GetString(await metrics.ExportTextAsync(CancellationToken.None));
}
