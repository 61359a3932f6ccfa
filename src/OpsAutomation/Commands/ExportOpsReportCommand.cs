using System.Management.Automation;
using OpsAutomation.Core.Reporting.Site;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Reporting;

namespace OpsAutomation.Commands;

/// <summary>
/// Writes a folder of self-contained HTML pages from the state store: a landing page (health over
/// time, incidents, deployments, pipeline runs, metrics endpoints), the health report, the
/// deployments with their rollouts and gates, the pipelines' runs, and each incident's post-mortem.
/// </summary>
[Cmdlet(VerbsData.Export, "OpsReport", HelpUri = "docs/Export-OpsReport.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OpsReport))]
public sealed class ExportOpsReportCommand : OpsCmdlet
{
    /// <summary>The folder the pages are written to; created when missing.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("OutputPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The site's heading.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "Operations";

    /// <summary>The span the health timeline, trends and incidents cover, ending now.</summary>
    [Parameter]
    [ValidatePositiveTimeSpan]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How many deployments, incidents and runs of each pipeline are shown.</summary>
    [Parameter]
    [ValidateRange(1, OpsReportOptions.MaxLast)]
    public int Last { get; set; } = 10;

    /// <summary>Metrics endpoints to link to from the landing page.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public Uri[] MetricsUri { get; set; } = [];

    /// <summary>The state directory read.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var folder = ResolvePath(Path);
        var options = new OpsReportOptions { Folder = folder, Title = Title, Window = Window, Last = Last, MetricsUri = MetricsUri };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "OpsReportParameterInvalid", ErrorCategory.InvalidArgument, ex.ParamName));
        }
        if (!await ShouldProcessAsync(folder, "Write the status site's pages").ConfigureAwait(false)) return;

        var settings = LoadSettings();
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        WriteVerbose($"Writing the status site of {settings.StatePath} to {folder}.");
        OpsReport report;
        try
        {
            report = await new OpsReportExporter(store, ModuleRuntime.Get().Time).ExportAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.StateStoreFailure(ex));
        }
        catch (IOException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "OpsReportWriteFailed", ErrorCategory.WriteError, folder));
        }
        foreach (var section in report.Missing) WriteVerbose($"{section}: nothing in the state store yet; the page says how to fill it.");
        WriteObject(report);
    }
}
