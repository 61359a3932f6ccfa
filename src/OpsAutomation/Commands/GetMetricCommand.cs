using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Lists the custom metrics with their definitions and current series.</summary>
[Cmdlet(VerbsCommon.Get, "Metric", HelpUri = "docs/Get-Metric.md")]
[OutputType(typeof(MetricDefinition))]
public sealed class GetMetricCommand : OpsCmdlet
{
    /// <summary>Metrics to list (wildcards). Default all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MetricNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = ["*"];

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var metrics = ModuleRuntime.Get().Metrics.Custom.List();
        var selection = NameSelection.Of(Name, metrics.Select(m => m.Name), ignoreCase: false);
        foreach (var name in selection.Missing)
            WriteError(NameSelection.NotFound(name, "MetricNotFound", $"Metric '{name}' is not defined."));
        foreach (var metric in metrics.Where(m => selection.Matched.Contains(m.Name, StringComparer.Ordinal)))
            WriteObject(metric);
        return Task.CompletedTask;
    }
}
