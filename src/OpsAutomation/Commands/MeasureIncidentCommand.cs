using System.Management.Automation;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.State;
using OpsAutomation.Incidents;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>
/// Incident metrics over a window: incidents opened and resolved, open now by severity, and the
/// mean and median times to detect, acknowledge, mitigate and resolve. Sets the same figures in the
/// module's metric registry (ops_incidents_open{severity}, ops_incident_time_to_resolve_seconds and
/// the rest) for Export-MetricTextFile, Publish-Metric and Start-MetricsServer.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "Incident", HelpUri = "docs/Measure-Incident.md")]
[OutputType(typeof(IncidentMetrics))]
public sealed class MeasureIncidentCommand : IncidentCommand
{
    /// <summary>The start of the window: incidents opened at or after it are measured. Default: 30 days ago.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only incidents of this service.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Service { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var since = Since is { } s
            ? new DateTimeOffset(s.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(s, DateTimeKind.Local) : s)
            : runtime.Time.GetUtcNow().AddDays(-30);
        var store = await OpenIncidentsAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var metrics = await IncidentMeasurer.MeasureAsync(store, since, Service, cancellationToken).ConfigureAwait(false);
            runtime.Metrics.Incidents.Record(metrics);
            WriteObject(metrics);
        }
        catch (StateStoreException ex)
        {
            WriteError(ErrorRecords.StateStoreFailure(ex));
        }
    }
}
