using System.Management.Automation;
using OpsAutomation.Core.Metrics.Machine;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>
/// Samples this machine's CPU, memory, disks and network over an interval: one sample, -Count of
/// them, or a stream until Ctrl+C with -Continuous.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SystemMetrics", HelpUri = "docs/Get-SystemMetrics.md", DefaultParameterSetName = CountSet)]
[OutputType(typeof(SystemMetrics))]
public sealed class GetSystemMetricsCommand : OpsCmdlet
{
    private const string CountSet = "Count";
    private const string ContinuousSet = "Continuous";

    /// <summary>Seconds each sample's rates and CPU busy shares are measured over. Default 1.</summary>
    [Parameter]
    [ValidateRange(0.1, 86400)]
    public double SampleIntervalSec { get; set; } = 1;

    /// <summary>Samples to take, back to back. Default 1.</summary>
    [Parameter(ParameterSetName = CountSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; } = 1;

    /// <summary>Stream one sample per interval until stopped with Ctrl+C.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ContinuousSet)]
    public SwitchParameter Continuous { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        ISystemMetricsSource source;
        try
        {
            source = SystemMetricsSources.ForCurrentPlatform();
        }
        catch (PlatformNotSupportedException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "SystemMetricsUnsupported", ErrorCategory.NotImplemented, null));
        }

        var options = new SystemMetricsOptions { SampleInterval = TimeSpan.FromSeconds(SampleIntervalSec) };
        WriteDebug($"SampleInterval={options.SampleInterval}, Count={(Continuous ? "until stopped" : Count)}");
        var sampler = new SystemMetricsSampler(source, options, ModuleRuntime.Get().Time);
        WriteVerbose($"Sampling system metrics every {SampleIntervalSec} s");
        try
        {
            await foreach (var sample in sampler.SampleAsync(Continuous ? 0 : Count, cancellationToken).ConfigureAwait(false))
                WriteObject(sample);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "SystemMetricsUnreadable", ErrorCategory.ReadError, null));
        }
    }
}
