using System.Management.Automation;

namespace OpsAutomation.Module.Tests;

public sealed class TestDeploymentCommandTests : IDisposable
{
    private readonly ModuleHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Stop_ends_a_health_gate_waiting_between_rounds_and_keeps_the_round_it_checked()
    {
        using var ps = _host.Create();
        ps.AddCommand("Test-Deployment").AddParameter("Uri", "dns://localhost").AddParameter("SuccessCount", 2).AddParameter("IntervalSec", 3600)
            .AddParameter("WindowSec", 7200).AddParameter("StatePath", _host.StatePath).AddParameter("Verbose");
        var output = new PSDataCollection<PSObject>();
        var invocation = ps.BeginInvoke<PSObject, PSObject>(null, output);
        // The first round is checked at once; the second is an hour away.
        for (var i = 0; i < 200 && !ps.Streams.Verbose.Any(v => v.Message.StartsWith("health #1: Pass", StringComparison.Ordinal)); i++)
            await Task.Delay(50);
        Assert.Contains(ps.Streams.Verbose, v => v.Message.StartsWith("health #1: Pass", StringComparison.Ordinal));

        ps.Stop();

        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));
        Assert.Empty(output);
        using var history = _host.Create();
        history.AddCommand("Get-ServiceHealthHistory").AddParameter("Name", "localhost").AddParameter("StatePath", _host.StatePath);
        Assert.Single(history.Invoke());
    }

    [Fact]
    public void The_validation_is_a_typed_result_whose_evaluations_name_the_check()
    {
        using var ps = _host.Create();
        ps.AddCommand("Test-Deployment").AddParameter("Uri", "dns://localhost").AddParameter("SuccessCount", 1).AddParameter("NoHistory");

        var validation = Assert.Single(ps.Invoke());

        Assert.Equal("OpsAutomation.Models.Deployment.DeploymentValidation", validation.BaseObject.GetType().FullName);
        Assert.Equal(("Passed", null), (validation.Properties["Outcome"].Value.ToString(), validation.Properties["DecidedBy"].Value));
        var evaluation = PSObject.AsPSObject(Assert.Single(((System.Collections.IEnumerable)validation.Properties["Evaluations"].Value).Cast<object>()));
        Assert.Equal(("health", "Health", "localhost", "Pass"), ((string)evaluation.Properties["Gate"].Value, evaluation.Properties["Kind"].Value.ToString(),
            (string)evaluation.Properties["Query"].Value, evaluation.Properties["Verdict"].Value.ToString()));
    }
}
