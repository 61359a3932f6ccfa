using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OpsAutomation.Sandbox.Pods;

namespace OpsAutomation.Sandbox.Tests.Pods;

public sealed class ProbeTests : IDisposable
{
    private readonly HttpClient _http = new();

    private static JsonObject Container(string field, string probe) => new() { ["name"] = "app", [field] = JsonNode.Parse(probe) };

    [Theory]
    [InlineData("startupProbe", ProbeKind.Startup)]
    [InlineData("readinessProbe", ProbeKind.Readiness)]
    [InlineData("livenessProbe", ProbeKind.Liveness)]
    public void Each_probe_takes_the_api_defaults(string field, ProbeKind kind) =>
        Assert.Equal(new Probe(kind, "/healthz", TimeSpan.Zero, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), 1, 3),
            Probe.Of(Container(field, """{"httpGet":{"path":"healthz","port":8080}}"""), kind));

    [Fact]
    public void A_tcp_socket_probe_has_no_path_and_an_exec_probe_is_not_run()
    {
        Assert.Null(Probe.Of(Container("livenessProbe", """{"tcpSocket":{"port":8080},"periodSeconds":2}"""), ProbeKind.Liveness)!.HttpPath);
        Assert.Null(Probe.Of(Container("livenessProbe", """{"exec":{"command":["true"]}}"""), ProbeKind.Liveness));
        Assert.Null(Probe.Of(Container("readinessProbe", """{"tcpSocket":{"port":8080}}"""), ProbeKind.Liveness));
    }

    [Fact]
    public async Task A_tcp_socket_probe_passes_when_the_port_accepts_and_fails_as_the_kubelet_words_it_when_refused()
    {
        var probe = Probe.Of(Container("livenessProbe", """{"tcpSocket":{"port":8080}}"""), ProbeKind.Liveness)!;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var open = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var refused = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        Assert.Null(await probe.ProbeAsync(_http, open, TimeProvider.System, CancellationToken.None));
        Assert.Equal($"dial tcp 127.0.0.1:{refused}: connect: connection refused", await probe.ProbeAsync(_http, refused, TimeProvider.System, CancellationToken.None));
    }

    public void Dispose() => _http.Dispose();
}
