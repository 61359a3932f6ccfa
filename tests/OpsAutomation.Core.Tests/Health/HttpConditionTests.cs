using System.Text.Json;
using OpsAutomation.Core.Health.Conditions;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>The generic HTTP check's conditions: JSON values, headers, and the certificate's remaining days.</summary>
public sealed class HttpConditionTests : IDisposable
{
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData("status == \"green\"", true)]
    [InlineData("status == 'green'", true)]
    [InlineData("status != \"red\"", true)]
    [InlineData("$.nodes.count >= 3", true)]
    [InlineData("nodes.count < 3", false)]
    [InlineData("checks[1].ok == false", true)]
    [InlineData("checks[0].ok == true", true)]
    [InlineData("version =~ \"^8\\\\.\"", true)]
    [InlineData("version !~ \"^7\"", true)]
    [InlineData("missing == 1", false)]
    [InlineData("checks[5].ok == true", false)]
    public void A_json_condition_reads_paths_and_compares_values(string condition, bool holds)
    {
        var root = JsonDocument.Parse("""{"status":"green","version":"8.15.0","nodes":{"count":3},"checks":[{"ok":true},{"ok":false}]}""").RootElement;
        Assert.Equal(holds, JsonCondition.Parse(condition).Evaluate(root) is null);
    }

    [Theory]
    [InlineData("status", "no operator")]
    [InlineData("status ==", "no value")]
    [InlineData("status == green", "quote strings")]
    [InlineData("count > \"3\"", "compares numbers")]
    [InlineData("name =~ \"(\"", "not a valid regular expression")]
    [InlineData("a..b == 1", "is not a path")]
    public void A_malformed_json_condition_says_what_is_wrong(string condition, string message)
    {
        var error = Assert.Throws<FormatException>(() => JsonCondition.Parse(condition));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void The_reason_of_a_failed_condition_names_the_path_and_the_actual_value()
    {
        var root = JsonDocument.Parse("""{"status":"red"}""").RootElement;
        Assert.Equal("status == \"green\": status is \"red\"", JsonCondition.Parse("status == \"green\"").Evaluate(root));
    }

    [Fact]
    public async Task A_json_condition_that_fails_makes_the_check_unhealthy()
    {
        await using var server = new FaultServer(body: """{"status":"yellow"}""", contentType: "application/json");
        var result = Assert.Single(await _harness.RunAsync(Http(server.Url) with { JsonConditions = ["status == \"green\""] }));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.Condition, result.ErrorKind);
        Assert.Contains("status is \"yellow\"", result.Error);
    }

    [Fact]
    public async Task A_json_condition_over_a_truncated_body_is_an_invalid_response()
    {
        await using var server = new FaultServer(body: """{"status":"gre""", contentType: "application/json");
        var result = Assert.Single(await _harness.RunAsync(Http(server.Url) with { JsonConditions = ["status == \"green\""] }));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.InvalidResponse, result.ErrorKind);
        Assert.Contains("not valid JSON", result.Error);
    }

    [Fact]
    public async Task Header_patterns_must_match_the_response_headers()
    {
        await using var server = new FaultServer(headers: new Dictionary<string, string> { ["X-Build"] = "2026.11.3" });
        var passing = Assert.Single(await _harness.RunAsync(Http(server.Url, "a") with { HeaderPatterns = Patterns("X-Build", @"^2026\.") }));
        var wrong = Assert.Single(await _harness.RunAsync(Http(server.Url, "b") with { HeaderPatterns = Patterns("X-Build", "^2025") }));
        var missing = Assert.Single(await _harness.RunAsync(Http(server.Url, "c") with { HeaderPatterns = Patterns("X-Region", ".") }));
        Assert.Equal(HealthStatus.Healthy, passing.Status);
        Assert.Equal(HealthStatus.Unhealthy, wrong.Status);
        Assert.Contains("does not match /^2025/", wrong.Error);
        Assert.Equal(HealthStatus.Unhealthy, missing.Status);
        Assert.Contains("no X-Region header", missing.Error);
    }

    [Fact]
    public async Task A_certificate_expiring_within_the_window_is_degraded_and_its_expiry_is_reported()
    {
        await using var server = new FaultServer(tls: true, certificateLifetime: TimeSpan.FromDays(5));
        var result = Assert.Single(await _harness.RunAsync(Http(server.Url) with { SkipCertificateCheck = true, CertificateExpiryDays = 14 }));
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(HealthErrorKind.CertificateExpiring, result.ErrorKind);
        Assert.Contains("expires in 5", result.Error);
        var expires = Assert.IsType<DateTimeOffset>(result.Details["CertificateExpiresAt"]);
        Assert.Equal(server.CertificateNotAfter!.Value, expires, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_certificate_outside_the_window_or_with_the_check_off_is_healthy()
    {
        await using var server = new FaultServer(tls: true, certificateLifetime: TimeSpan.FromDays(40));
        var longLived = Assert.Single(await _harness.RunAsync(Http(server.Url, "a") with { SkipCertificateCheck = true, CertificateExpiryDays = 14 }));
        var off = Assert.Single(await _harness.RunAsync(Http(server.Url, "b") with { SkipCertificateCheck = true, CertificateExpiryDays = 0 }));
        Assert.Equal(HealthStatus.Healthy, longLived.Status);
        Assert.Equal(HealthStatus.Healthy, off.Status);
    }

    [Fact]
    public async Task A_body_longer_than_one_read_is_judged_whole_with_every_header()
    {
        var body = new string('a', 50_000) + "END";
        await using var server = new FaultServer(body: body, headers: new Dictionary<string, string> { ["X-Build"] = "42" });
        var result = Assert.Single(await _harness.RunAsync(Http(server.Url) with
        {
            BodyPattern = "a{1000}END$",
            HeaderPatterns = new Dictionary<string, string> { ["X-Build"] = "^42$", ["Content-Type"] = "^text/plain" },
        }));
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(body.Length, result.Details["ContentLength"]);
    }

    private static HealthCheckDefinition Http(string url, string name = "svc") => HealthHarness.Http(url, name);

    private static Dictionary<string, string> Patterns(string header, string pattern) => new(StringComparer.OrdinalIgnoreCase) { [header] = pattern };
}
