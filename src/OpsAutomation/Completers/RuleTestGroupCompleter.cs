using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Alerting.Rules.UnitTesting;

namespace OpsAutomation.Completers;

/// <summary>
/// Completes -Run with the test groups of the -Path test file. -Run takes regular expressions, so
/// a name is offered escaped and anchored: it selects that group only. Never throws.
/// </summary>
public sealed class RuleTestGroupCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (Completions.BoundString(fakeBoundParameters, "Path") is not { } path) return [];
        try
        {
            var read = RuleTestFileReader.Read(Completions.ResolvePath(path));
            var typed = wordToComplete.Trim('\'', '"').TrimStart('^');
            return Completions.Matching(read.File.Tests.Select(g => g.Name).Where(n => n.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(n => $"^{Regex.Escape(n)}$"), "");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or RuntimeException)
        {
            return [];
        }
    }
}
