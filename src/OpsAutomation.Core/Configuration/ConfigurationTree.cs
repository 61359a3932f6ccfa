namespace OpsAutomation.Core.Configuration;

/// <summary>
/// The common shape every configuration format is read into: case-insensitive dictionaries,
/// lists and scalars (string, long, double, bool, null). Readers of psd1, JSON and YAML all
/// produce it, so one binder validates them all.
/// </summary>
public static class ConfigurationTree
{
    public static Dictionary<string, object?> NewMap() => new(StringComparer.OrdinalIgnoreCase);

    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static string Item(string path, int index) => $"{path}[{index}]";
}
