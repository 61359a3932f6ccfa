using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Completers;

/// <summary>Completes -Kind with the kinds of check there are.</summary>
public sealed class HealthCheckKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Enum.GetNames<HealthCheckKind>()
            .Where(k => k.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(k => new CompletionResult(k, k, CompletionResultType.ParameterValue, k));
}
