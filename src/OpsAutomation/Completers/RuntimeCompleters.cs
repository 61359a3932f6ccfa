using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace OpsAutomation.Completers;

/// <summary>Completes -Name with the custom metrics defined in this process.</summary>
public sealed class MetricNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completions.Matching(ModuleRuntime.Get().Metrics.Custom.List().Select(m => m.Name), wordToComplete);
}

/// <summary>Completes -Port with the ports of the metrics servers running in this process.</summary>
public sealed class MetricsServerPortCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completions.Matching(ModuleRuntime.Get().MetricsServers.List().Select(s => s.Port.ToString(CultureInfo.InvariantCulture)), wordToComplete);
}
