using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Defines a custom metric in the module's registry, checked against Prometheus naming rules.</summary>
[Cmdlet(VerbsCommon.New, "Metric", HelpUri = "docs/New-Metric.md")]
[OutputType(typeof(MetricDefinition))]
public sealed class NewMetricCommand : OpsCmdlet
{
    /// <summary>The metric's name, such as orders_processed_total.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MetricNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Counter, Gauge, Histogram or Summary.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateSet("Counter", "Gauge", "Histogram", "Summary")]
    public MetricType Type { get; set; }

    /// <summary>What the metric measures; Prometheus shows it.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Help { get; set; } = "";

    /// <summary>The label names every series carries.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[] LabelName { get; set; } = [];

    /// <summary>Histogram bucket upper bounds, increasing.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public double[] Bucket { get; set; } = [];

    /// <summary>Summary quantiles between 0 and 1.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public double[] Quantile { get; set; } = [];

    /// <summary>The most series the metric keeps. Default 1000.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxSeries { get; set; } = CustomMetricOptions.DefaultMaxSeries;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var options = new CustomMetricOptions
        {
            Name = Name, Type = Type, Help = Help, LabelNames = LabelName, Buckets = Bucket, Quantiles = Quantile, MaxSeries = MaxSeries,
        };
        WriteDebug($"New-Metric {Name} {Type} labels ({string.Join(", ", LabelName)}) max series {MaxSeries}");
        try
        {
            WriteObject(ModuleRuntime.Get().Metrics.Custom.Define(options));
        }
        catch (MetricDefinitionException ex)
        {
            WriteError(new ErrorRecord(ex, ex.Conflict ? "MetricDefinitionConflict" : "MetricDefinitionInvalid",
                ex.Conflict ? ErrorCategory.ResourceExists : ErrorCategory.InvalidArgument, Name));
        }
        return Task.CompletedTask;
    }
}
