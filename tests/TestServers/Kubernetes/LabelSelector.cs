using System.Text.RegularExpressions;

namespace OpsAutomation.TestServers;

/// <summary>
/// A Kubernetes label selector as the API server parses ?labelSelector=: equality (=, ==, !=),
/// sets (in, notin) and existence (key, !key), requirements joined by commas.
/// </summary>
public sealed partial class LabelSelector
{
    private readonly IReadOnlyList<Func<IDictionary<string, string>, bool>> _requirements;

    private LabelSelector(IReadOnlyList<Func<IDictionary<string, string>, bool>> requirements) => _requirements = requirements;

    /// <summary>Parses a selector; an empty one matches everything.</summary>
    /// <exception cref="FormatException">With the API server's wording, for a requirement it cannot parse.</exception>
    public static LabelSelector Parse(string? selector)
    {
        var requirements = new List<Func<IDictionary<string, string>, bool>>();
        foreach (var requirement in SplitTopLevel(selector ?? ""))
        {
            requirements.Add(ParseRequirement(requirement));
        }
        return new LabelSelector(requirements);
    }

    public bool Matches(IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        return _requirements.All(matches => matches(labels));
    }

    private static Func<IDictionary<string, string>, bool> ParseRequirement(string text)
    {
        if (Equality().Match(text) is { Success: true } equality)
        {
            var (key, value) = (equality.Groups["key"].Value, equality.Groups["value"].Value);
            return equality.Groups["op"].Value == "!="
                ? labels => !labels.TryGetValue(key, out var actual) || actual != value
                : labels => labels.TryGetValue(key, out var actual) && actual == value;
        }
        if (Set().Match(text) is { Success: true } set)
        {
            var key = set.Groups["key"].Value;
            var values = set.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            if (values.Count == 0)
            {
                throw new FormatException("unable to parse requirement: for 'in', 'notin' operators, values set can't be empty");
            }
            return set.Groups["op"].Value == "notin"
                ? labels => !labels.TryGetValue(key, out var actual) || !values.Contains(actual)
                : labels => labels.TryGetValue(key, out var actual) && values.Contains(actual);
        }
        if (Existence().Match(text) is { Success: true } existence)
        {
            var key = existence.Groups["key"].Value;
            return existence.Groups["not"].Success ? labels => !labels.ContainsKey(key) : labels => labels.ContainsKey(key);
        }
        throw new FormatException($"unable to parse requirement: found '{text}', expected: key, !key, key=value, key==value, key!=value, key in (values), key notin (values)");
    }

    /// <summary>Splits at commas outside parentheses; blank parts are dropped.</summary>
    private static IEnumerable<string> SplitTopLevel(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= selector.Length; i++)
        {
            if (i == selector.Length || (selector[i] == ',' && depth == 0))
            {
                var part = selector[start..i].Trim();
                if (part.Length > 0)
                {
                    yield return part;
                }
                start = i + 1;
            }
            else if (selector[i] == '(')
            {
                depth++;
            }
            else if (selector[i] == ')')
            {
                depth--;
            }
        }
    }

    private const string Key = @"(?<key>([A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)";

    [GeneratedRegex(@"^" + Key + @"\s*(?<op>==|=|!=)\s*(?<value>[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")]
    private static partial Regex Equality();

    [GeneratedRegex(@"^" + Key + @"\s+(?<op>in|notin)\s*\((?<values>[^()]*)\)$")]
    private static partial Regex Set();

    [GeneratedRegex(@"^(?<not>!\s*)?" + Key + "$")]
    private static partial Regex Existence();
}
