using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;

namespace OpsAutomation.Module.Tests;

public sealed class TestServiceHealthCommandTests : IDisposable
{
    private readonly ModuleHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Stop_ends_a_check_of_a_silent_server_within_two_seconds()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        var accepting = Task.Run(async () => { while (true) accepted.Add(await silent.AcceptSocketAsync()); });
        using var ps = _host.Create();
        ps.AddCommand("Test-ServiceHealth")
            .AddParameter("Uri", $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/")
            .AddParameter("TimeoutSec", 60)
            .AddParameter("StatePath", _host.StatePath);
        var invocation = ps.BeginInvoke();
        for (var i = 0; i < 100 && accepted.Count == 0; i++) await Task.Delay(50);
        Assert.NotEmpty(accepted);

        var clock = Stopwatch.StartNew();
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Stop took {clock.Elapsed}");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
    }

    [Fact]
    public void Results_are_typed_and_bind_from_pipeline_objects_by_property_name()
    {
        using var ps = _host.Create();
        ps.AddScript("""
            param($state)
            @(
                [pscustomobject]@{ Name = 'local-dns'; Uri = 'dns://localhost'; Kind = '' }
                [pscustomobject]@{ Name = 'closed'; Uri = 'tcp://127.0.0.1:1'; Kind = 'Tcp' }
            ) | Test-ServiceHealth -StatePath $state -TimeoutSec 5
            """).AddArgument(_host.StatePath);
        var results = ps.Invoke();
        Assert.False(ps.HadErrors, string.Join("; ", ps.Streams.Error));
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal("OpsAutomation.Models.Health.HealthCheckResult", r.BaseObject.GetType().FullName));
        var byName = results.ToDictionary(r => (string)r.Properties["Name"].Value);
        Assert.Equal("Healthy", byName["local-dns"].Properties["Status"].Value.ToString());
        Assert.Equal("Unreachable", byName["closed"].Properties["Status"].Value.ToString());
        Assert.Equal("ConnectionRefused", byName["closed"].Properties["ErrorKind"].Value.ToString());
        Assert.Single(results.Select(r => r.Properties["RunId"].Value).Distinct());
    }

    [Fact]
    public void Progress_is_reported_and_always_completed()
    {
        using var ps = _host.Create();
        ps.AddCommand("Test-ServiceHealth").AddParameter("Uri", new[] { "dns://localhost", "tcp://127.0.0.1:1" }).AddParameter("StatePath", _host.StatePath);
        Assert.Equal(2, ps.Invoke().Count);
        var progress = ps.Streams.Progress.Where(p => p.Activity == "Test-ServiceHealth").ToList();
        Assert.Contains(progress, p => p.RecordType == ProgressRecordType.Processing && p.StatusDescription.EndsWith(" checked", StringComparison.Ordinal));
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
    }

    [Fact]
    public void A_bad_pipeline_row_is_a_non_terminating_error_and_the_rest_is_checked()
    {
        using var ps = _host.Create();
        ps.AddScript("""
            param($state)
            @(
                [pscustomobject]@{ Name = 'bad'; Uri = 'http//not-a-uri' }
                [pscustomobject]@{ Name = 'good'; Uri = 'dns://localhost' }
            ) | Test-ServiceHealth -StatePath $state
            """).AddArgument(_host.StatePath);
        var results = ps.Invoke();
        var error = Assert.Single(ps.Streams.Error);
        Assert.Equal("HealthCheckTargetInvalid,OpsAutomation.Commands.TestServiceHealthCommand", error.FullyQualifiedErrorId);
        Assert.Contains("http//not-a-uri", error.Exception.Message);
        Assert.Equal("good", Assert.Single(results).Properties["Name"].Value);
    }

    [Fact]
    public void A_malformed_catalog_is_a_terminating_error_naming_the_file_and_line()
    {
        var catalog = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.psd1");
        File.WriteAllText(catalog, "@{\n  Services = @(\n    @{ Name = 'a'; Uri = (Get-Date) }\n  )\n}\n");
        try
        {
            using var ps = _host.Create();
            ps.AddCommand("Test-ServiceHealth").AddParameter("Path", catalog).AddParameter("StatePath", _host.StatePath);
            var record = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
            Assert.Equal("CatalogInvalid,OpsAutomation.Commands.TestServiceHealthCommand", record.FullyQualifiedErrorId);
            Assert.Contains(catalog, record.Exception.Message);
            Assert.Contains("line 3", record.Exception.Message);
        }
        finally
        {
            File.Delete(catalog);
        }
    }

    [Fact]
    public void IgnoreCircuit_probes_a_service_whose_circuit_is_open_and_an_open_circuit_is_judged_down()
    {
        var catalog = Path.Combine(_host.StatePath, "circuit.yaml");
        Directory.CreateDirectory(_host.StatePath);
        File.WriteAllText(catalog, "Services:\n  - Name: closed-port\n    Uri: tcp://127.0.0.1:1\n    CircuitBreakerThreshold: 1\n    CircuitBreakerCooldownSec: 3600\n");
        PSObject Run(bool ignoreCircuit = false)
        {
            using var ps = _host.Create();
            ps.AddCommand("Test-ServiceHealth").AddParameter("Path", catalog).AddParameter("StatePath", _host.StatePath).AddParameter("TimeoutSec", 5);
            if (ignoreCircuit) ps.AddParameter("IgnoreCircuit");
            return Assert.Single(ps.Invoke());
        }

        Assert.Equal("Unreachable", Run().Properties["Status"].Value.ToString());
        var skipped = Run();
        Assert.Equal("CircuitOpen", skipped.Properties["Status"].Value.ToString());
        var probed = Run(ignoreCircuit: true);
        Assert.Equal("Unreachable", probed.Properties["Status"].Value.ToString());
        Assert.Equal(1, probed.Properties["Attempts"].Value);

        using var assert = _host.Create();
        assert.AddCommand("Assert-ServiceHealth");
        var error = Assert.ThrowsAny<RuntimeException>(() => assert.Invoke(new[] { skipped })).ErrorRecord;
        Assert.Equal("ServiceUnhealthy,OpsAutomation.Commands.AssertServiceHealthCommand", error.FullyQualifiedErrorId);
        Assert.StartsWith("Overall Unhealthy: 1 of 1 services failing", error.Exception.Message);
    }

    [Fact]
    public void A_psd1_catalog_nested_deeper_than_the_limit_is_a_located_terminating_error()
    {
        var catalog = Path.Combine(Path.GetTempPath(), $"deep-{Guid.NewGuid():N}.psd1");
        File.WriteAllText(catalog, "@{\n  Services = " + string.Concat(Enumerable.Repeat("@(", 300)) + new string(')', 300) + "\n}\n");
        try
        {
            using var ps = _host.Create();
            ps.AddCommand("Test-ServiceHealth").AddParameter("Path", catalog).AddParameter("StatePath", _host.StatePath);
            var record = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
            Assert.Equal("CatalogInvalid,OpsAutomation.Commands.TestServiceHealthCommand", record.FullyQualifiedErrorId);
            Assert.Contains($"{catalog}, line 2: nested deeper than the limit of 256 at column ", record.Exception.Message);
        }
        finally
        {
            File.Delete(catalog);
        }
    }
}
