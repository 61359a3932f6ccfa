using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;

namespace OpsAutomation.Completers;

/// <summary>Completes -Name from the services of the catalog given by -Path. Never throws: no catalog, no completions.</summary>
public sealed class ServiceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (Completions.BoundString(fakeBoundParameters, "Path") is not { } path) return [];
        try
        {
            var catalog = HealthCatalog.Read(Completions.ResolvePath(path), ModuleRuntime.Get().Configuration);
            return Completions.Matching(catalog.Services.Select(s => s.GetString("Name")).OfType<string>(), wordToComplete);
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or RuntimeException)
        {
            return [];
        }
    }
}
