using System.Diagnostics;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>Each fault a real network serves gives the right Status and ErrorKind, within the time limit.</summary>
public sealed class HealthCheckFaultTests : IDisposable
{
    private readonly HealthHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_2xx_answer_is_healthy_with_its_status_code()
    {
        await using var server = new FaultServer(status: 200, body: "all good");
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(server.Url)));
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal(HealthErrorKind.None, result.ErrorKind);
        Assert.Null(result.Error);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task A_503_is_unhealthy_with_kind_HttpStatus()
    {
        await using var server = new FaultServer(status: 503, body: "down");
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(server.Url)));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.HttpStatus, result.ErrorKind);
        Assert.Equal(503, result.StatusCode);
        Assert.Contains("expected 2xx", result.Error);
    }

    [Fact]
    public async Task An_expected_non_2xx_code_is_healthy()
    {
        await using var server = new FaultServer(status: 401);
        var definition = HealthHarness.Http(server.Url);
        var result = Assert.Single(await _harness.RunAsync(new HealthCheckDefinition
        {
            Name = definition.Name, Kind = definition.Kind, Target = definition.Target, ExpectedStatusCodes = [401],
        }));
        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task A_body_that_does_not_match_the_pattern_fails_the_condition()
    {
        await using var server = new FaultServer(body: "{\"status\":\"red\"}");
        var result = Assert.Single(await _harness.RunAsync(new HealthCheckDefinition
        {
            Name = "es", Kind = HealthCheckKind.Http, Target = server.Url, BodyPattern = "\"status\":\"(green|yellow)\"",
        }));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.Condition, result.ErrorKind);
    }

    [Fact]
    public async Task A_slow_but_correct_answer_is_degraded()
    {
        await using var server = new FaultServer(delay: TimeSpan.FromMilliseconds(300));
        var result = Assert.Single(await _harness.RunAsync(new HealthCheckDefinition
        {
            Name = "slow", Kind = HealthCheckKind.Http, Target = server.Url, MaxResponseTime = TimeSpan.FromMilliseconds(50),
        }));
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(HealthErrorKind.SlowResponse, result.ErrorKind);
    }

    [Fact]
    public async Task A_refused_connection_is_unreachable()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http($"http://127.0.0.1:{port}/")));
        Assert.Equal(HealthStatus.Unreachable, result.Status);
        Assert.Equal(HealthErrorKind.ConnectionRefused, result.ErrorKind);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Error);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_a_Dns_failure()
    {
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http("http://no-such-host.invalid/")));
        Assert.Equal(HealthStatus.Unreachable, result.Status);
        Assert.Equal(HealthErrorKind.Dns, result.ErrorKind);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_within_timeout_times_attempts()
    {
        await using var server = new FaultServer(Fault.NeverAnswer);
        var clock = Stopwatch.StartNew();
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(server.Url, timeoutSec: 0.5, retries: 1)));
        clock.Stop();
        Assert.Equal(HealthStatus.Unreachable, result.Status);
        Assert.Equal(HealthErrorKind.Timeout, result.ErrorKind);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, server.Requests);
        // The contract: never a hang past timeout x attempts (two 0.5 s attempts and one short backoff here).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_the_body_is_a_connection_reset()
    {
        await using var server = new FaultServer(Fault.ResetMidBody);
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(server.Url)));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.ConnectionReset, result.ErrorKind);
    }

    [Fact]
    public async Task A_garbage_answer_is_a_protocol_failure()
    {
        await using var server = new FaultServer(Fault.Garbage);
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(server.Url)));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(HealthErrorKind.Protocol, result.ErrorKind);
    }

    [Fact]
    public async Task A_self_signed_certificate_fails_TLS_unless_the_check_is_skipped()
    {
        await using var server = new FaultServer(tls: true);
        var strict = Assert.Single(await _harness.RunAsync(HealthHarness.Http(server.Url, "strict")));
        Assert.Equal(HealthStatus.Unhealthy, strict.Status);
        Assert.Equal(HealthErrorKind.Tls, strict.ErrorKind);

        var lenient = Assert.Single(await _harness.RunAsync(new HealthCheckDefinition
        {
            Name = "lenient", Kind = HealthCheckKind.Http, Target = server.Url, SkipCertificateCheck = true,
        }));
        Assert.Equal(HealthStatus.Healthy, lenient.Status);
    }

    [Fact]
    public async Task A_retry_that_recovers_keeps_the_first_attempts_status()
    {
        await using var server = new FaultServer(respond: n => n == 1 ? (500, "boom") : (200, "ok"));
        var result = Assert.Single(await _harness.RunAsync(HealthHarness.Http(server.Url, retries: 2)));
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(HealthStatus.Unhealthy, result.FirstAttemptStatus);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task Tcp_and_dns_checks_report_what_they_reached()
    {
        await using var server = new FaultServer();
        var results = await _harness.RunAsync(
            new HealthCheckDefinition { Name = "tcp", Kind = HealthCheckKind.Tcp, Target = $"127.0.0.1:{server.Port}" },
            new HealthCheckDefinition { Name = "dns", Kind = HealthCheckKind.Dns, Target = "localhost" });
        Assert.All(results, r => Assert.Equal(HealthStatus.Healthy, r.Status));
        Assert.Contains(results.Single(r => r.Name == "dns").Details, d => d.Key == "Addresses");
    }

    [Fact]
    public async Task Results_stream_in_completion_order_not_input_order()
    {
        await using var slow = new FaultServer(delay: TimeSpan.FromMilliseconds(800));
        await using var fast = new FaultServer();
        var results = await _harness.RunAsync(
            [HealthHarness.Http(slow.Url, "slow"), .. Enumerable.Range(0, 5).Select(i => HealthHarness.Http(fast.Url, $"fast{i}"))], CancellationToken.None);
        Assert.Equal(6, results.Count);
        Assert.Equal("slow", results[^1].Name);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Checks_run_concurrently_up_to_the_throttle_limit(int throttle)
    {
        await using var server = new FaultServer(delay: TimeSpan.FromMilliseconds(300));
        _harness.ThrottleLimit = throttle;
        var results = await _harness.RunAsync(Enumerable.Range(0, 8).Select(i => HealthHarness.Http(server.Url, $"svc{i}")), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(HealthStatus.Healthy, r.Status));
        Assert.Equal(throttle, server.MaxInFlight);
    }

    [Fact]
    public async Task Every_result_is_kept_in_the_history_and_logged_as_one_line()
    {
        await using var server = new FaultServer();
        var results = await _harness.RunAsync(HealthHarness.Http(server.Url, "a"), HealthHarness.Http(server.Url, "b"));
        var store = await _harness.Runtime.GetStateStoreAsync(_harness.StatePath, CancellationToken.None);
        var history = await new OpsAutomation.Core.State.HealthHistoryStore(store).ReadAsync(null, null, 100, CancellationToken.None);
        Assert.Equal(results.Select(r => r.Name).Order(), history.Select(h => h.Name).Order());
        Assert.Equal(2, _harness.LogLines.Count(l => l.Contains("\"event.action\":\"health-check\"", StringComparison.Ordinal)));
        Assert.All(_harness.LogLines, l => Assert.Contains(results[0].RunId, l));
    }
}
