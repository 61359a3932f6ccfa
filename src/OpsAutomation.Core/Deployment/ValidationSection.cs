using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Deployment;

/// <summary>
/// A variable of the Validation section, known only when a stage runs: its value, or why there is
/// none (then a section that uses it is refused, naming the variable, the stage and the reason).
/// </summary>
internal sealed record ValidationVariable(string Name, string? Value, string Unavailable)
{
    /// <summary>The variable as written in a spec: <c>${NAME}</c>.</summary>
    public string Reference => "${" + Name + "}";
}

/// <summary>The Validation section a deployment stage runs: the spec's, with the stage's variables put in, or a default.</summary>
internal static class ValidationSection
{
    /// <summary>Whether any string of <paramref name="section"/> mentions <paramref name="reference"/> (such as <c>${POD_TEMPLATE_HASH}</c>).</summary>
    public static bool Uses(ConfigurationMap section, string reference) => Mentions(ToTree(section), reference);

    /// <summary>A copy of <paramref name="section"/> with each of <paramref name="variables"/> replaced by its value; same origin and key paths.</summary>
    public static ConfigurationMap WithVariables(ConfigurationMap section, IReadOnlyList<ValidationVariable> variables, string stage)
    {
        var copy = (IReadOnlyDictionary<string, object?>)Replace(ToTree(section), variables, section, stage)!;
        return new ConfigurationMap(copy, section.Origin, section.Path);
    }

    /// <summary>Without a Validation section: the Service's URL healthy 3 rounds in a row, 2 s apart, within a minute, each check on a new connection.</summary>
    public static ConfigurationMap Default(Uri url, string origin)
    {
        var gate = ConfigurationTree.NewMap();
        gate["Name"] = "service";
        gate["Uri"] = url.AbsoluteUri;
        gate["SuccessCount"] = 3L;
        gate["IntervalSec"] = 2L;
        gate["WindowSec"] = 60L;
        // A new connection per check, so the Service's per-connection round robin reaches every pod.
        var check = ConfigurationTree.NewMap();
        var headers = ConfigurationTree.NewMap();
        headers["Connection"] = "close";
        check["Headers"] = headers;
        gate["Check"] = check;
        var section = ConfigurationTree.NewMap();
        section["HealthGates"] = new List<object?> { gate };
        return new ConfigurationMap(section, origin, "Validation");
    }

    private static Dictionary<string, object?> ToTree(ConfigurationMap map)
    {
        var tree = ConfigurationTree.NewMap();
        foreach (var key in map.Keys) tree[key] = map.GetValue(key);
        return tree;
    }

    private static bool Mentions(object? value, string reference) => value switch
    {
        string text => text.Contains(reference, StringComparison.Ordinal),
        IReadOnlyDictionary<string, object?> map => map.Values.Any(item => Mentions(item, reference)),
        IList<object?> list => list.Any(item => Mentions(item, reference)),
        _ => false,
    };

    private static object? Replace(object? value, IReadOnlyList<ValidationVariable> variables, ConfigurationMap section, string stage) => value switch
    {
        string text => Expand(text, variables, section, stage),
        IReadOnlyDictionary<string, object?> map => Copy(map, variables, section, stage),
        IList<object?> list => list.Select(item => Replace(item, variables, section, stage)).ToList(),
        _ => value,
    };

    private static string Expand(string text, IReadOnlyList<ValidationVariable> variables, ConfigurationMap section, string stage)
    {
        foreach (var variable in variables)
        {
            if (!text.Contains(variable.Reference, StringComparison.Ordinal)) continue;
            text = variable.Value is { } value ? text.Replace(variable.Reference, value, StringComparison.Ordinal)
                : throw new DeploymentSpecException($"{section.Origin}: {section.Path} uses {variable.Reference} and {variable.Unavailable} at the {stage} stage");
        }
        return text;
    }

    private static Dictionary<string, object?> Copy(IReadOnlyDictionary<string, object?> map, IReadOnlyList<ValidationVariable> variables, ConfigurationMap section, string stage)
    {
        var copy = ConfigurationTree.NewMap();
        foreach (var (key, item) in map) copy[key] = Replace(item, variables, section, stage);
        return copy;
    }
}
