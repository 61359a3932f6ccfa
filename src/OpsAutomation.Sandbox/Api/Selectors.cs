using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// labelSelector (=, ==, !=, in, notin, exists, !exists) and fieldSelector (=, ==, != over the fields a
/// type allows) of a list or watch, parsed once and matched against stored objects.
/// </summary>
public sealed partial class Selectors
{
    private readonly List<Func<JsonObject, bool>> _requirements = [];

    private Selectors()
    {
    }

    public static Selectors Parse(ResourceType type, string? labelSelector, string? fieldSelector)
    {
        ArgumentNullException.ThrowIfNull(type);
        var selectors = new Selectors();
        foreach (var requirement in SplitTopLevel(labelSelector))
        {
            selectors._requirements.Add(LabelRequirement(requirement));
        }
        foreach (var requirement in SplitTopLevel(fieldSelector))
        {
            selectors._requirements.Add(FieldRequirement(type, requirement));
        }
        return selectors;
    }

    public bool Matches(JsonObject obj) => _requirements.TrueForAll(r => r(obj));

    private static Func<JsonObject, bool> LabelRequirement(string text)
    {
        string? Label(JsonObject o, string key) => o["metadata"]?["labels"]?[key]?.GetValue<string>();
        var set = SetRequirement().Match(text);
        if (set.Success)
        {
            var key = ValidKey(set.Groups["key"].Value);
            var values = set.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            var notIn = set.Groups["op"].Value == "notin";
            return o => Label(o, key) is { } v ? values.Contains(v) != notIn : notIn;
        }
        var equality = EqualityRequirement().Match(text);
        if (equality.Success)
        {
            var key = ValidKey(equality.Groups["key"].Value);
            var value = equality.Groups["value"].Value.Trim();
            return equality.Groups["op"].Value == "!=" ? o => Label(o, key) != value : o => Label(o, key) == value;
        }
        var trimmed = text.Trim();
        if (trimmed.StartsWith('!'))
        {
            var key = ValidKey(trimmed[1..]);
            return o => Label(o, key) is null;
        }
        var exists = ValidKey(trimmed);
        return o => Label(o, exists) is not null;
    }

    private static Func<JsonObject, bool> FieldRequirement(ResourceType type, string text)
    {
        var equality = EqualityRequirement().Match(text);
        if (!equality.Success)
        {
            throw ApiStatus.BadRequest($"invalid selector: '{text}'; can't understand '{text}'").AsException();
        }
        var field = equality.Groups["key"].Value.Trim();
        if (field is not ("metadata.name" or "metadata.namespace") && !type.FieldLabels.Contains(field))
        {
            throw ApiStatus.BadRequest($"field label not supported: {field}").AsException();
        }
        var value = equality.Groups["value"].Value.Trim();
        var path = field.Split('.');
        string Read(JsonObject o)
        {
            JsonNode? node = o;
            foreach (var step in path)
            {
                node = node?[step];
            }
            return node?.ToString() ?? "";
        }
        return equality.Groups["op"].Value == "!=" ? o => Read(o) != value : o => Read(o) == value;
    }

    private static string ValidKey(string key)
    {
        key = key.Trim();
        if (key.Length == 0 || !LabelKey().IsMatch(key))
        {
            throw ApiStatus.BadRequest($"unable to parse requirement: invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')").AsException();
        }
        return key;
    }

    /// <summary>Splits on commas outside parentheses, so "a in (x,y),b" is two requirements.</summary>
    private static IEnumerable<string> SplitTopLevel(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            yield break;
        }
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            depth += selector[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }
        yield return selector[start..];
    }

    [GeneratedRegex(@"^\s*(?<key>[^\s!=]+)\s+(?<op>in|notin)\s*\((?<values>[^)]*)\)\s*$")]
    private static partial Regex SetRequirement();

    [GeneratedRegex(@"^\s*(?<key>[^\s!=]+)\s*(?<op>==|!=|=)\s*(?<value>[^=!]*)$")]
    private static partial Regex EqualityRequirement();

    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex LabelKey();
}
