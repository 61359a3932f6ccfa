using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;

namespace OpsAutomation.Module.Tests;

public sealed class WatchServiceHealthCommandTests : IDisposable
{
    private readonly ModuleHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Stop_ends_the_loop_between_rounds_within_two_seconds_and_keeps_what_was_checked()
    {
        var port = FreePort();
        using var ps = _host.Create();
        var (output, invocation) = await StartWatchAsync(ps, port, intervalSec: 60);
        Assert.True(output.Count == 1, $"{output.Count} results after the first round");

        using var client = new HttpClient();
        var metrics = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains("ops_health_up{service=\"watched\",kind=\"dns\"} 1", metrics);

        var clock = Stopwatch.StartNew();
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Stop took {clock.Elapsed}");
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")));

        using var history = _host.Create();
        history.AddCommand("Get-ServiceHealthHistory").AddParameter("Name", "watched").AddParameter("StatePath", _host.StatePath);
        Assert.Single(history.Invoke());
    }

    [Fact]
    public void A_metrics_port_in_use_is_a_terminating_error_naming_it()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var ps = _host.Create();
        ps.AddCommand("Watch-ServiceHealth").AddParameter("Uri", "dns://localhost").AddParameter("Count", 1)
            .AddParameter("MetricsPort", port).AddParameter("StatePath", _host.StatePath);
        var record = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
        Assert.Equal("MetricsEndpointUnavailable,OpsAutomation.Commands.WatchServiceHealthCommand", record.FullyQualifiedErrorId);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), record.Exception.Message);
    }

    [Fact]
    public async Task A_metrics_endpoint_that_stops_under_a_running_watch_is_an_error_and_the_loop_goes_on()
    {
        var port = FreePort();
        using var ps = _host.Create();
        var (output, invocation) = await StartWatchAsync(ps, port, intervalSec: 1, count: 3);
        Assert.True(output.Count >= 1, "no result after the first round");

        // Another runspace of the process stops the watch's endpoint, as a user at another prompt could.
        using (var other = new ModuleHost())
        using (var stop = other.Create())
        {
            stop.AddCommand("Stop-MetricsServer").AddParameter("Port", port).Invoke();
        }
        ps.EndInvoke(invocation);

        Assert.Equal(3, output.Count);
        var error = Assert.Single(ps.Streams.Error);
        Assert.Equal("MetricsEndpointFailed,OpsAutomation.Commands.WatchServiceHealthCommand", error.FullyQualifiedErrorId);
        Assert.Equal($"The metrics endpoint http://127.0.0.1:{port}/metrics was stopped; metrics are no longer served there.", error.Exception.Message);
    }

    /// <summary>Starts watching dns://localhost as "watched" with /metrics on <paramref name="port"/>, and waits (up to 10 s) for the first result.</summary>
    private async Task<(PSDataCollection<PSObject> Output, IAsyncResult Invocation)> StartWatchAsync(PowerShell ps, int port, int intervalSec, int count = 0)
    {
        ps.AddCommand("Watch-ServiceHealth")
            .AddParameter("Uri", "dns://localhost")
            .AddParameter("Name", "watched")
            .AddParameter("IntervalSec", intervalSec)
            .AddParameter("Count", count)
            .AddParameter("MetricsPort", port)
            .AddParameter("StatePath", _host.StatePath);
        var output = new PSDataCollection<PSObject>();
        var invocation = ps.BeginInvoke<PSObject, PSObject>(null, output);
        // Count, not enumeration: a PSDataCollection's enumerator waits for the pipeline to end.
        for (var i = 0; i < 200 && output.Count == 0; i++) await Task.Delay(50);
        return (output, invocation);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
