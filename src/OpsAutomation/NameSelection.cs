using System.Management.Automation;

namespace OpsAutomation;

/// <summary>
/// Which known names a list of names and wildcards selects, and which literal names select
/// nothing. As with Get-Process, a literal name that is not there is an ObjectNotFound error
/// naming it, while a wildcard that matches nothing writes nothing.
/// </summary>
internal sealed class NameSelection
{
    private NameSelection(IReadOnlyList<string> matched, IReadOnlyList<string> missing)
    {
        Matched = matched;
        Missing = missing;
    }

    /// <summary>The known names that match, in the order they were known.</summary>
    public IReadOnlyList<string> Matched { get; }

    /// <summary>The names without wildcards that match no known name.</summary>
    public IReadOnlyList<string> Missing { get; }

    public static NameSelection Of(IEnumerable<string> patterns, IEnumerable<string> known, bool ignoreCase)
    {
        var options = ignoreCase ? WildcardOptions.IgnoreCase : WildcardOptions.None;
        var comparer = ignoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var distinct = patterns.Distinct(comparer).ToList();
        var wildcards = distinct.Select(p => WildcardPattern.Get(p, options)).ToList();
        var knownList = known.ToList();
        var matched = knownList.Where(n => wildcards.Any(w => w.IsMatch(n))).ToList();
        var missing = distinct.Where(p => !WildcardPattern.ContainsWildcardCharacters(p) && !knownList.Contains(p, comparer)).ToList();
        return new NameSelection(matched, missing);
    }

    /// <summary>The error for one missing name: <paramref name="message"/> names it, the name is the target.</summary>
    public static ErrorRecord NotFound(string name, string errorId, string message) =>
        new(new ItemNotFoundException(message), errorId, ErrorCategory.ObjectNotFound, name);
}
