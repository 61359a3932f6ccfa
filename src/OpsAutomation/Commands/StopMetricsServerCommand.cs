using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Stops the /metrics server on a port, or without -Port every one this process runs, and releases the ports.</summary>
[Cmdlet(VerbsLifecycle.Stop, "MetricsServer", HelpUri = "docs/Stop-MetricsServer.md", SupportsShouldProcess = true)]
[OutputType(typeof(MetricsServerInfo))]
public sealed class StopMetricsServerCommand : OpsCmdlet
{
    /// <summary>The port of the server to stop. Default: every server of this process.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MetricsServerPortCompleter))]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>Writes the stopped server.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var servers = ModuleRuntime.Get().MetricsServers;
        var running = servers.List().Where(s => Port is null || s.Port == Port).ToList();
        if (running.Count == 0 && Port is { } port)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"No metrics server of this process runs on port {port}."),
                "MetricsServerNotFound", ErrorCategory.ObjectNotFound, port));
            return;
        }
        if (running.Count == 0) WriteVerbose("No metrics server runs in this process; nothing to stop.");
        foreach (var server in running)
        {
            if (!await ShouldProcessAsync(server.Address, "Stop metrics server").ConfigureAwait(false)) continue;
            if (servers.Stop(server.Port) is { } stopped && PassThru) WriteObject(stopped);
        }
    }
}
