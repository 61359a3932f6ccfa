using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Alerting.Rules.UnitTesting;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;

namespace OpsAutomation.Completers;

/// <summary>Completes from the file the command's -Path names. Never throws: no file, or one that cannot be read, completes nothing.</summary>
public abstract class PathFileCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (Completions.BoundString(fakeBoundParameters, "Path") is not { } path) return [];
        try
        {
            return Complete(Completions.ResolvePath(path), wordToComplete);
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or RuntimeException)
        {
            return [];
        }
    }

    /// <summary>The completions <paramref name="path"/> offers for the word typed.</summary>
    protected abstract IEnumerable<CompletionResult> Complete(string path, string wordToComplete);
}

/// <summary>Completes -Name with the services of the -Path catalog.</summary>
public sealed class ServiceNameCompleter : PathFileCompleter
{
    protected override IEnumerable<CompletionResult> Complete(string path, string wordToComplete) =>
        Completions.Matching(HealthCatalog.Read(path, ModuleRuntime.Get().Configuration).Services.Select(s => s.GetString("Name")).OfType<string>(), wordToComplete);
}

/// <summary>
/// Completes -Run with the test groups of the -Path test file. -Run takes regular expressions, so
/// a name is offered escaped and anchored: it selects that group only.
/// </summary>
public sealed class RuleTestGroupCompleter : PathFileCompleter
{
    protected override IEnumerable<CompletionResult> Complete(string path, string wordToComplete)
    {
        var typed = wordToComplete.Trim('\'', '"').TrimStart('^');
        var groups = RuleTestFileReader.Read(path).File.Tests.Select(g => g.Name).Where(n => n.StartsWith(typed, StringComparison.OrdinalIgnoreCase));
        return Completions.Matching(groups.Select(n => $"^{Regex.Escape(n)}$"), "");
    }
}
