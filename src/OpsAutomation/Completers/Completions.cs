using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace OpsAutomation.Completers;

/// <summary>What the completers share: matching known names to the word typed, and reading a path as the prompt means it.</summary>
internal static class Completions
{
    /// <summary>The names that start with <paramref name="wordToComplete"/> (quotes ignored), sorted, quoted when they hold a space.</summary>
    public static List<CompletionResult> Matching(IEnumerable<string> names, string wordToComplete)
    {
        var pattern = new WildcardPattern(WildcardPattern.Escape(wordToComplete.Trim('\'', '"')) + "*", WildcardOptions.IgnoreCase);
        return names
            .Where(pattern.IsMatch)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(n => new CompletionResult(Quoted(n), n, CompletionResultType.ParameterValue, n))
            .ToList();
    }

    /// <summary>The first string a fake-bound parameter holds (a string, or the first of an array).</summary>
    public static string? BoundString(System.Collections.IDictionary fakeBoundParameters, string name) => fakeBoundParameters[name] switch
    {
        string s when s.Length > 0 => s,
        object[] { Length: > 0 } values when values[0] is string { Length: > 0 } first => first,
        string[] { Length: > 0 } values when values[0].Length > 0 => values[0],
        _ => null,
    };

    /// <summary>
    /// Resolves <paramref name="path"/> against PowerShell's location, which is not the process's
    /// working directory. A nested pipeline is the way in: the session state proxy refuses calls
    /// while the completion pipeline runs.
    /// </summary>
    public static string ResolvePath(string path)
    {
        if (Runspace.DefaultRunspace is null) return System.IO.Path.GetFullPath(path);
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])").AddArgument(path);
        return ps.Invoke<string>().FirstOrDefault() ?? System.IO.Path.GetFullPath(path);
    }

    private static string Quoted(string name) =>
        name.IndexOfAny([' ', '\'', '"', '$', '`', ';', ',', '(', ')', '{', '}', '@', '#', '|', '&']) >= 0 ? $"'{name.Replace("'", "''", StringComparison.Ordinal)}'" : name;
}
