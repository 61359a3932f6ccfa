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
        return definitions;
    }
}
