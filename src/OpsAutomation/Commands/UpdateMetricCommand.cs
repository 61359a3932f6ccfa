using System.Collections;
using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Increments, sets or observes a series of a custom metric; one change per pipeline input.</summary>
[Cmdlet(VerbsData.Update, "Metric", HelpUri = "docs/Update-Metric.md", DefaultParameterSetName = IncrementSet)]
[OutputType(typeof(MetricSeries))]
public sealed class UpdateMetricCommand : OpsCmdlet
{
    private const string IncrementSet = "Increment";
    private const string SetSet = "Set";
    private const string ObserveSet = "Observe";

    /// <summary>The metric to change.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MetricNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The series' label values: a hashtable of label name to value.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Labels")]
    public IDictionary? Label { get; set; }

    /// <summary>Adds this to a counter or gauge. Default 1.</summary>
    [Parameter(ParameterSetName = IncrementSet, ValueFromPipelineByPropertyName = true)]
    public double Increment { get; set; } = 1;

    /// <summary>Sets a gauge to this value.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SetSet, ValueFromPipelineByPropertyName = true)]
    public double Set { get; set; }

    /// <summary>Records this observation in a histogram or summary.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ObserveSet, ValueFromPipelineByPropertyName = true)]
    public double Observe { get; set; }

    /// <summary>Writes the changed series.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var (change, value) = ParameterSetName switch
        {
            SetSet => (MetricChange.Set, Set),
            ObserveSet => (MetricChange.Observe, Observe),
            _ => (MetricChange.Increment, Increment),
        };
        try
        {
            var outcome = ModuleRuntime.Get().Metrics.Custom.Update(Name, Labels(), change, value);
            if (outcome.Refused is { } reason) WriteWarning(reason);
            else if (PassThru) WriteObject(outcome.Series);
        }
        catch (MetricUpdateException ex)
        {
            WriteError(new ErrorRecord(ex, ex.MetricNotFound ? "MetricNotFound" : "MetricUpdateInvalid",
                ex.MetricNotFound ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument, Name));
        }
        return Task.CompletedTask;
    }

    private Dictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Label is null) return labels;
        foreach (DictionaryEntry entry in Label)
            labels[LanguagePrimitives.ConvertTo<string>(entry.Key)] = LanguagePrimitives.ConvertTo<string>(entry.Value) ?? "";
        return labels;
    }
}
