using System.Management.Automation;
using System.Net;
using System.Net.Sockets;

namespace OpsAutomation.Module.Tests;

/// <summary>
/// What a command holds is released however its pipeline ends, EndProcessing or not, and a worker
/// that writes faster than the pipeline consumes waits at the output queue's bound.
/// </summary>
public sealed class OpsCmdletLifetimeTests : IDisposable
{
    private readonly ModuleHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void A_downstream_failure_after_the_first_result_leaves_no_listener_and_no_log_file_open()
    {
        var port = FreePort();
        using var ps = _host.Create();
        ps.AddScript($"Watch-ServiceHealth -Uri dns://localhost -Name watched -IntervalSec 1 -MetricsPort {port} -StatePath '{_host.StatePath}' | " +
            "ForEach-Object { throw 'downstream failed' }");

        var error = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());

        Assert.Contains("downstream failed", error.Message, StringComparison.Ordinal);
        using var client = new TcpClient();
        Assert.ThrowsAny<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        Assert.Empty(OpenFilesUnder(Path.Combine(_host.StatePath, "logs")));
    }

    [Fact]
    public void An_upstream_failure_stops_the_pipeline_run_and_closes_its_log()
    {
        var sink = Path.Combine(_host.StatePath, "up.jsonl");
        using var ps = _host.Create();
        ps.AddScript($$"""
            & { [pscustomobject]@{ id = 1 }; throw 'upstream failed' } |
                Start-DataPipeline -Name upstream -Source @{ Type = 'Pipeline' } -Sink @{ Type = 'JsonLines'; Path = '{{sink}}' } -StatePath '{{_host.StatePath}}'
            """);

        var error = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());

        Assert.Contains("upstream failed", error.Message, StringComparison.Ordinal);
        Assert.Empty(OpenFilesUnder(Path.Combine(_host.StatePath, "logs")));
        using var runs = _host.Create();
        runs.AddCommand("Get-DataPipelineRun").AddParameter("Name", "upstream").AddParameter("StatePath", _host.StatePath);
        var run = Assert.Single(runs.Invoke());
        Assert.Equal("Cancelled", run.Properties["Status"].Value.ToString());
    }

    [Fact]
    public void A_slow_consumer_holds_the_checks_at_the_output_queues_bound()
    {
        const int targets = 1000;
        using var server = new CountingServer();
        using var ps = _host.Create();
        ps.Runspace.SessionStateProxy.SetVariable("server", server);
        ps.Runspace.SessionStateProxy.SetVariable("uris", Enumerable.Range(1, targets).Select(i => $"{server.Url}?i={i}").ToArray());
        ps.Runspace.SessionStateProxy.SetVariable("names", Enumerable.Range(1, targets).Select(i => $"svc{i}").ToArray());
        // The consumer takes one result, then lets the command run ahead for a while before it reads the count.
        ps.AddScript($"Test-ServiceHealth -Uri $uris -Name $names -ThrottleLimit 8 -NoHistory -StatePath '{_host.StatePath}' | " +
            "ForEach-Object -Begin { $first = $true } -Process { if ($first) { $first = $false; Start-Sleep -Seconds 1; $server.Requests } }");

        var checkedWhileWaiting = (int)Assert.Single(ps.Invoke()).BaseObject;

        // At most: the output queue (128), the checks' hand-over channel and the checks in flight (8 each), a few in hand.
        Assert.InRange(checkedWhileWaiting, 1, 128 + 8 + 8 + 8);
        Assert.Equal(targets, server.Requests);
    }

    /// <summary>Files this process holds open under <paramref name="folder"/> (Linux: /proc/self/fd).</summary>
    private static List<string> OpenFilesUnder(string folder)
    {
        Assert.True(Directory.Exists("/proc/self/fd"), "This test reads open files from /proc/self/fd (Linux).");
        var open = new List<string>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(folder, StringComparison.Ordinal)) open.Add(target);
            }
            catch (IOException)
            {
                // The descriptor closed while listing: not open.
            }
        }
        return open;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>An HTTP server on 127.0.0.1 that answers 200 and counts requests.</summary>
    public sealed class CountingServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;
        private int _requests;

        public CountingServer()
        {
            var port = FreePort();
            Url = $"http://127.0.0.1:{port}/health";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                Interlocked.Increment(ref _requests);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
    }
}
