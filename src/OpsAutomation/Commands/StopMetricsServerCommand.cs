using System.Management.Automation;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Stops the /metrics server on a port and releases the port.</summary>
[Cmdlet(VerbsLifecycle.Stop, "MetricsServer", SupportsShouldProcess = true)]
[OutputType(typeof(MetricsServerInfo))]
public sealed class StopMetricsServerCommand : OpsCmdlet
{
    /// <summary>The port of the server to stop.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Writes the stopped server.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var servers = ModuleRuntime.Get().MetricsServers;
        var running = servers.List().FirstOrDefault(s => s.Port == Port);
        if (running is null)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"No metrics server of this process runs on port {Port}."),
                "MetricsServerNotFound", ErrorCategory.ObjectNotFound, Port));
            return;
        }
        if (!await ShouldProcessAsync(running.Address, "Stop metrics server").ConfigureAwait(false)) return;
        if (servers.Stop(Port) is { } stopped && PassThru) WriteObject(stopped);
    }
}
