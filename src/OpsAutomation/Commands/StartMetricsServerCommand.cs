using System.Management.Automation;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Serves the module's registry at /metrics for Prometheus, until Stop-MetricsServer or the module is removed.</summary>
[Cmdlet(VerbsLifecycle.Start, "MetricsServer", HelpUri = "docs/Start-MetricsServer.md")]
[OutputType(typeof(MetricsServerInfo))]
public sealed class StartMetricsServerCommand : OpsCmdlet
{
    /// <summary>The TCP port to listen on; one server per port in the process.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>The address to listen on. Default 127.0.0.1; + for every IPv4 interface.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Host")]
    [ValidateNotNullOrEmpty]
    public string HostName { get; set; } = "127.0.0.1";

    /// <summary>Serve only the module's registry, without the machine's node_* metrics (where a node_exporter already serves them).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter ExcludeSystemMetrics { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var runtime = ModuleRuntime.Get();
            // Failed requests and a failed listener go to the module's log for as long as the server runs.
            var log = new OpsLog(Guid.NewGuid().ToString("N"), OpsLogOptions.FromSettings(LoadSettings(), null), new SecretRedactor(), runtime.Time);
            var server = runtime.MetricsServers.Start(HostName, Port, systemMetrics: !ExcludeSystemMetrics, log);
            WriteVerbose($"Serving metrics at {server.Address}");
            WriteObject(server);
        }
        catch (MetricsEndpointException ex)
        {
            WriteError(new ErrorRecord(ex, "MetricsEndpointUnavailable", ErrorCategory.ResourceUnavailable, $"{HostName}:{Port}"));
        }
        return Task.CompletedTask;
    }
}
