using OpsAutomation.Core.Configuration;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>A service catalog file: its <c>Settings</c> and its <c>Services</c>.</summary>
public sealed class HealthCatalog
{
    private static readonly string[] TopLevelKeys = ["Settings", "Defaults", "Services", "Alerting"];

    private HealthCatalog(string path, ConfigurationMap? settings, ConfigurationMap? defaults, IReadOnlyList<ConfigurationMap> services, ConfigurationMap? alerting)
    {
        Path = path;
        Settings = settings;
        Defaults = defaults;
        Services = services;
        Alerting = alerting;
    }

    public string Path { get; }

    /// <summary>The file layer of <see cref="SettingsLoader"/>; null when the file has none.</summary>
    public ConfigurationMap? Settings { get; }

    /// <summary>Service keys that apply to every entry that does not set them (thresholds, severity, circuit breaker).</summary>
    public ConfigurationMap? Defaults { get; }

    /// <summary>When and where alerts go: thresholds and channels; null when the catalog has none.</summary>
    public ConfigurationMap? Alerting { get; }

    /// <summary>The raw entries, bound by <see cref="Bind"/> once settings are known.</summary>
    public IReadOnlyList<ConfigurationMap> Services { get; }

    public static HealthCatalog Read(string path, ConfigurationFileReader reader)
    {
        var root = new ConfigurationMap(reader.ReadMap(path), path, "");
        root.RejectUnknownKeys(TopLevelKeys);
        var services = root.GetMapList("Services");
        if (services.Count == 0)
            throw root.Error("lists no services", "Services");
        var defaults = root.GetMap("Defaults");
        defaults?.RejectUnknownKeys(HealthCheckDefinitionBinder.DefaultableKeys);
        return new HealthCatalog(path, root.GetMap("Settings"), defaults, services, root.GetMap("Alerting"));
    }

    /// <summary>Binds every entry; a duplicate name is an error naming both entries.</summary>
    public IReadOnlyList<HealthCheckDefinition> Bind(ConfigurationMap? overrides, OpsSettings settings, Func<string, string?>? environment = null)
    {
        var definitions = new List<HealthCheckDefinition>(Services.Count);
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in Services)
        {
            var definition = HealthCheckDefinitionBinder.Bind(entry, overrides, settings, environment, Defaults, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)));
            if (!seen.TryAdd(definition.Name, entry.Path))
                throw new ConfigurationException($"duplicate service name '{definition.Name}' (also at {seen[definition.Name]})", Path, ConfigurationTree.Child(entry.Path, "Name"));
            definitions.Add(definition);
        }
        ValidateDependencies(definitions);
        return definitions;
    }

    /// <summary>Every DependsOn names another service of the catalog, and no service depends on itself through others.</summary>
    private void ValidateDependencies(List<HealthCheckDefinition> definitions)
    {
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < definitions.Count; i++) byName[definitions[i].Name] = i;
        string Key(int i) => ConfigurationTree.Child(Services[i].Path, "DependsOn");
        for (var i = 0; i < definitions.Count; i++)
        {
            foreach (var dependency in definitions[i].DependsOn)
            {
                if (!byName.ContainsKey(dependency))
                    throw new ConfigurationException($"service '{definitions[i].Name}' depends on '{dependency}', which the catalog does not list", Path, Key(i));
            }
        }

        // Depth-first with colours, iterative so a long chain cannot exhaust the stack.
        var colour = new byte[definitions.Count]; // 0 unseen, 1 on the current path, 2 done
        for (var start = 0; start < definitions.Count; start++)
        {
            if (colour[start] != 0) continue;
            var stack = new Stack<(int Node, int Next)>();
            stack.Push((start, 0));
            colour[start] = 1;
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var dependsOn = definitions[node].DependsOn;
                if (next >= dependsOn.Count)
                {
                    colour[node] = 2;
                    continue;
                }
                stack.Push((node, next + 1));
                var child = byName[dependsOn[next]];
                if (colour[child] == 1)
                {
                    var path = stack.Reverse().Select(frame => definitions[frame.Node].Name).SkipWhile(n => !string.Equals(n, definitions[child].Name, StringComparison.OrdinalIgnoreCase));
                    throw new ConfigurationException(
                        $"service '{definitions[node].Name}' depends on '{definitions[child].Name}', a cycle: {string.Join(" -> ", path.Append(definitions[child].Name))}", Path, Key(node));
                }
                if (colour[child] == 0)
                {
                    colour[child] = 1;
                    stack.Push((child, 0));
                }
            }
        }
    }
}
