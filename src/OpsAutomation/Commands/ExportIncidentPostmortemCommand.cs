using System.Management.Automation;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>
/// Writes an incident's post-mortem draft in the Google SRE layout, filled from the incident and
/// its timeline, as Markdown and self-contained HTML (both unless -Format says one).
/// </summary>
[Cmdlet(VerbsData.Export, "IncidentPostmortem", HelpUri = "docs/Export-IncidentPostmortem.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(IncidentPostmortem))]
public sealed class ExportIncidentPostmortemCommand : OpsCmdlet
{
    /// <summary>The incident (New-Incident and Get-Incident emit objects with Id; runbook runs and diagnostics bundles with IncidentId).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>The folder the draft is written in, as postmortem-&lt;id&gt;.md and .html. Default: the current location.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>Markdown, Html, or both (the default).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public PostmortemFormat[] Format { get; set; } = [PostmortemFormat.Markdown, PostmortemFormat.Html];

    /// <summary>The authors named in the draft's header. Default: the incident's owner.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Author { get; set; }

    /// <summary>The state directory holding the incidents. Default: OPS_STATE_PATH, else the module's state directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        Incident? incident;
        try
        {
            incident = await new IncidentStore(store, runtime.Time).GetAsync(Id, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
            return;
        }
        if (incident is null)
        {
            WriteError(ErrorRecords.IncidentNotFound(Id, store.FilePath));
            return;
        }
        var folder = OutputPath is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : ResolvePath(OutputPath);
        var formats = string.Join(" and ", Format.Distinct().Order());
        if (!await ShouldProcessAsync(folder, $"Write the {formats} post-mortem draft of incident {incident.Id}").ConfigureAwait(false)) return;
        try
        {
            foreach (var file in await PostmortemWriter.WriteAsync(incident, folder, Format, Author, runtime.Time, cancellationToken).ConfigureAwait(false))
                WriteObject(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, "PostmortemWriteFailed", ErrorCategory.WriteError, folder));
        }
    }
}
