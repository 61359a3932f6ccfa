using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Metrics;

namespace OpsAutomation.Core.Tests.Metrics;

public sealed class MetricsEndpointTests : IDisposable
{
    private readonly List<string> _logLines = [];
    private readonly OpsLog _log;
    private readonly HttpClient _client = new();

    public MetricsEndpointTests() =>
        _log = new OpsLog("endpoint-test", new OpsLogOptions { Console = line => { lock (_logLines) _logLines.Add(line); } }, new SecretRedactor());

    public void Dispose()
    {
        _client.Dispose();
        _log.Dispose();
    }

    private List<JsonNode> Logged(string level)
    {
        lock (_logLines) return [.. _logLines.Select(l => JsonNode.Parse(l)!).Where(l => (string?)l["log.level"] == level)];
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_failing_request_is_answered_500_and_logged_and_the_next_one_is_served()
    {
        var calls = 0;
        var port = FreePort();
        using var endpoint = MetricsEndpoint.Start(async (stream, cancel) =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("collector broke once");
            await stream.WriteAsync("ops_test_value 1\n"u8.ToArray(), cancel);
        }, "127.0.0.1", port, _log);

        using var failed = await _client.GetAsync(new Uri(endpoint.Address));
        var served = await _client.GetStringAsync(new Uri(endpoint.Address));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Contains("ops_test_value 1", served);
        var warning = Assert.Single(Logged("warn"));
        Assert.Contains("collector broke once", (string?)warning["message"]);
        Assert.Null(endpoint.Fault);
    }

    [Fact]
    public async Task Requests_over_the_limit_at_once_are_refused_with_503_and_the_others_are_served()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var release = new TaskCompletionSource();
        var entered = 0;
        registry.AddBeforeCollectCallback(async cancel =>
        {
            Interlocked.Increment(ref entered);
            await release.Task.WaitAsync(cancel);
        });
        var port = FreePort();
        using var endpoint = MetricsEndpoint.Start([registry], "127.0.0.1", port, _log, maxConcurrentRequests: 2);

        var held = new[] { _client.GetAsync(new Uri(endpoint.Address)), _client.GetAsync(new Uri(endpoint.Address)) };
        for (var i = 0; i < 200 && Volatile.Read(ref entered) < 2; i++) await Task.Delay(25);
        Assert.Equal(2, Volatile.Read(ref entered));
        using var refused = await _client.GetAsync(new Uri(endpoint.Address));
        release.SetResult();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        foreach (var response in await Task.WhenAll(held))
        {
            using (response) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_listener_that_dies_says_so_in_its_fault_the_log_and_to_whoever_started_it()
    {
        using var servers = new MetricsServers(new OpsMetrics(), TimeProvider.System);
        var port = FreePort();
        var started = servers.Start("127.0.0.1", port, systemMetrics: false, _log);
        Assert.Null(servers.Problem(started));

        servers.Endpoint(port)!.BreakListener();
        for (var i = 0; i < 200 && servers.Endpoint(port)!.Fault is null; i++) await Task.Delay(25);

        var problem = servers.Problem(started);
        Assert.NotNull(problem);
        Assert.StartsWith($"The metrics endpoint http://127.0.0.1:{port}/metrics stopped serving:", problem.Message);
        Assert.NotNull(problem.InnerException);
        Assert.Contains("stopped serving", (string?)Assert.Single(Logged("error"))["message"]);
        // The dead server is gone, so its port can be served again.
        Assert.Empty(servers.List());
        var again = servers.Start("127.0.0.1", port, systemMetrics: false);
        Assert.Null(servers.Problem(again));
    }

    [Fact]
    public void A_stopped_server_is_a_problem_without_a_fault()
    {
        using var servers = new MetricsServers(new OpsMetrics(), TimeProvider.System);
        var started = servers.Start("127.0.0.1", FreePort(), systemMetrics: false);

        servers.Stop(started.Port);

        var problem = servers.Problem(started);
        Assert.NotNull(problem);
        Assert.Null(problem.InnerException);
        Assert.Contains("was stopped", problem.Message);
    }
}
