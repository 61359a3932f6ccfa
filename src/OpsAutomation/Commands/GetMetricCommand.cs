using System.Management.Automation;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Lists the custom metrics with their definitions and current series.</summary>
[Cmdlet(VerbsCommon.Get, "Metric")]
[OutputType(typeof(MetricDefinition))]
public sealed class GetMetricCommand : OpsCmdlet
{
    /// <summary>Metrics to list (wildcards). Default all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = ["*"];

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var patterns = Name.Select(n => WildcardPattern.Get(n, WildcardOptions.None)).ToList();
        var metrics = ModuleRuntime.Get().Metrics.Custom.List();
        foreach (var name in Name.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && metrics.All(m => m.Name != n)))
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"Metric '{name}' is not defined."), "MetricNotFound", ErrorCategory.ObjectNotFound, name));
        }
        foreach (var metric in metrics.Where(m => patterns.Any(p => p.IsMatch(m.Name))))
            WriteObject(metric);
        return Task.CompletedTask;
    }
}
