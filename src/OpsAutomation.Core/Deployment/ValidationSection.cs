using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Deployment;

/// <summary>The Validation section a deployment stage runs: the spec's, with the Service URL put in, or a default.</summary>
internal static class ValidationSection
{
    /// <summary>A copy of <paramref name="section"/> with every <c>${SERVICE_URL}</c> replaced by <paramref name="url"/>; same origin and key paths.</summary>
    public static ConfigurationMap WithServiceUrl(ConfigurationMap section, Uri? url, string stage)
    {
        var copy = (IReadOnlyDictionary<string, object?>)Replace(ToTree(section), url, section, stage)!;
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

    private static object? Replace(object? value, Uri? url, ConfigurationMap section, string stage) => value switch
    {
        string text when text.Contains(DeploymentRunner.ServiceUrlVariable, StringComparison.Ordinal) => url is null
            ? throw new DeploymentSpecException($"{section.Origin}: {section.Path} uses {DeploymentRunner.ServiceUrlVariable} and the Service has no URL reachable from here at the {stage} stage; give the URL instead")
            : text.Replace(DeploymentRunner.ServiceUrlVariable, url.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal),
        IReadOnlyDictionary<string, object?> map => Copy(map, url, section, stage),
        IList<object?> list => list.Select(item => Replace(item, url, section, stage)).ToList(),
        _ => value,
    };

    private static Dictionary<string, object?> Copy(IReadOnlyDictionary<string, object?> map, Uri? url, ConfigurationMap section, string stage)
    {
        var copy = ConfigurationTree.NewMap();
        foreach (var (key, item) in map) copy[key] = Replace(item, url, section, stage);
        return copy;
    }
}
