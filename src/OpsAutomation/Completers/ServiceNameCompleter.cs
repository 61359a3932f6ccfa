using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;

namespace OpsAutomation.Completers;

/// <summary>Completes -Name from the services of the catalog given by -Path. Never throws: no catalog, no completions.</summary>
public sealed class ServiceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters["Path"] is not string path || path.Length == 0) return [];
        try
        {
            return Complete(ResolveFromCurrentLocation(path), wordToComplete.Trim('\'', '"'));
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or RuntimeException)
        {
            return [];
        }
    }

    /// <summary>
    /// Resolves <paramref name="path"/> against PowerShell's location, which is not the process's
    /// working directory. A nested pipeline is the way in: the session state proxy refuses calls
    /// while the completion pipeline runs.
    /// </summary>
    private static string ResolveFromCurrentLocation(string path)
    {
        if (Runspace.DefaultRunspace is null) return System.IO.Path.GetFullPath(path);
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])").AddArgument(path);
        return ps.Invoke<string>().FirstOrDefault() ?? System.IO.Path.GetFullPath(path);
    }

    private static List<CompletionResult> Complete(string path, string prefix)
    {
        var catalog = HealthCatalog.Read(path, ModuleRuntime.Get().Configuration);
        var pattern = new WildcardPattern(prefix + "*", WildcardOptions.IgnoreCase);
        return catalog.Services
            .Select(s => s.GetString("Name"))
            .OfType<string>()
            .Where(pattern.IsMatch)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(n => new CompletionResult(n.Contains(' ', StringComparison.Ordinal) ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n))
            .ToList();
    }
}
