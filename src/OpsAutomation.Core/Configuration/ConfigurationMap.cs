using System.Globalization;

namespace OpsAutomation.Core.Configuration;

/// <summary>
/// Typed, validated reads from one map of the configuration tree. Every failure names the
/// origin and the full key path, so a user can go straight to the bad value.
/// </summary>
public sealed class ConfigurationMap
{
    private readonly IReadOnlyDictionary<string, object?> _values;
    private readonly Func<string, string>? _keyName;

    /// <param name="keyName">How a key is named in errors when not by its path (an environment variable's name).</param>
    public ConfigurationMap(IReadOnlyDictionary<string, object?> values, string origin, string path, Func<string, string>? keyName = null)
    {
        _values = values;
        Origin = origin;
        Path = path;
        _keyName = keyName;
    }

    public string Origin { get; }

    public string Path { get; }

    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>The keys of the map, as written.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>A value as the file gave it (string, long, double, bool, list, map or null), for keys whose values may be of any type.</summary>
    public object? GetValue(string key) => _values.TryGetValue(key, out var value) ? value : null;

    public string KeyPath(string key) => _keyName?.Invoke(key) ?? ConfigurationTree.Child(Path, key);

    /// <summary>Rejects keys outside <paramref name="allowed"/>, which are most often typos.</summary>
    public void RejectUnknownKeys(IReadOnlyCollection<string> allowed)
    {
        foreach (var key in _values.Keys)
        {
            if (!allowed.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw Error($"unknown key; expected one of {string.Join(", ", allowed)}", key);
        }
    }

    public string? GetString(string key)
    {
        return _values.TryGetValue(key, out var value) switch
        {
            false => null,
            true when value is null => null,
            true when value is string s => s,
            true when value is long or double or bool => System.Convert.ToString(value, CultureInfo.InvariantCulture),
            _ => throw Error($"must be a string, not {ConfigurationFileReader.Describe(value)}", key),
        };
    }

    public string GetRequiredString(string key)
    {
        var value = GetString(key);
        return string.IsNullOrWhiteSpace(value) ? throw Error("is required and must not be empty", key) : value;
    }

    public int? GetInt(string key, int min, int max) => (int?)GetLong(key, min, max);

    public long? GetLong(string key, long min, long max)
    {
        if (!_values.TryGetValue(key, out var value) || value is null) return null;
        long number = value switch
        {
            long l => l,
            int i => i,
            double d when d == Math.Floor(d) => (long)d,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw Error($"must be a whole number, not '{value}'", key),
        };
        return number < min || number > max ? throw Error($"{number} is out of range; it must be between {min} and {max}", key) : number;
    }

    public double? GetDouble(string key, double min, double max)
    {
        if (!_values.TryGetValue(key, out var value) || value is null) return null;
        double number = value switch
        {
            long l => l,
            double d => d,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw Error($"must be a number, not '{value}'", key),
        };
        return double.IsNaN(number) || number < min || number > max
            ? throw Error($"{number.ToString(CultureInfo.InvariantCulture)} is out of range; it must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}", key)
            : number;
    }

    public bool? GetBool(string key)
    {
        if (!_values.TryGetValue(key, out var value) || value is null) return null;
        return value switch
        {
            bool b => b,
            string s when bool.TryParse(s, out var parsed) => parsed,
            // Environment variables and shell scripts say 1 and 0 as often as true and false.
            "1" => true,
            "0" => false,
            _ => throw Error($"must be true or false (or 1 or 0), not '{value}'", key),
        };
    }

    /// <summary>A list of numbers; a single number counts as a list of one.</summary>
    public IReadOnlyList<int> GetIntList(string key, int min, int max)
    {
        if (!_values.TryGetValue(key, out var value) || value is null) return [];
        var items = value as IList<object?> ?? [value];
        var result = new List<int>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = new ConfigurationMap(new Dictionary<string, object?> { ["v"] = items[i] }, Origin, ConfigurationTree.Item(KeyPath(key), i));
            result.Add(item.GetInt("v", min, max)!.Value);
        }
        return result;
    }

    /// <summary>A list of strings; a single string counts as a list of one.</summary>
    public IReadOnlyList<string> GetStringList(string key)
    {
        if (!_values.TryGetValue(key, out var value) || value is null) return [];
        var items = value as IList<object?> ?? [value];
        var result = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = new ConfigurationMap(new Dictionary<string, object?> { ["v"] = items[i] }, Origin, ConfigurationTree.Item(KeyPath(key), i));
            result.Add(item.GetRequiredString("v"));
        }
        return result;
    }

    /// <summary>An enum member by name, case-insensitive; numbers are refused so a typo never binds by accident.</summary>
    /// <param name="noun">What the value is, for the error: "unknown kind 'Ftp'".</param>
    public TEnum? GetEnum<TEnum>(string key, string noun = "value") where TEnum : struct, Enum
    {
        var text = GetString(key);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _)
            ? value
            : throw Error($"unknown {noun} '{text}'; use one of {string.Join(", ", Enum.GetNames<TEnum>())}", key);
    }

    public ConfigurationMap? GetMap(string key)
    {
        if (!_values.TryGetValue(key, out var value) || value is null) return null;
        return value is IReadOnlyDictionary<string, object?> map
            ? new ConfigurationMap(map, Origin, KeyPath(key))
            : throw Error($"must be a map of keys, not {ConfigurationFileReader.Describe(value)}", key);
    }

    public IReadOnlyList<ConfigurationMap> GetMapList(string key)
    {
        if (!_values.TryGetValue(key, out var value) || value is null) return [];
        var items = value as IList<object?> ?? throw Error($"must be a list, not {ConfigurationFileReader.Describe(value)}", key);
        var result = new List<ConfigurationMap>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = ConfigurationTree.Item(KeyPath(key), i);
            result.Add(items[i] is IReadOnlyDictionary<string, object?> map
                ? new ConfigurationMap(map, Origin, itemPath)
                : throw new ConfigurationException($"must be a map of keys, not {ConfigurationFileReader.Describe(items[i])}", Origin, itemPath));
        }
        return result;
    }

    /// <summary>A map of string values (such as headers).</summary>
    public IReadOnlyDictionary<string, string> GetStringMap(string key)
    {
        var map = GetMap(key);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (map is null) return result;
        foreach (var entry in map._values.Keys)
            result[entry] = map.GetString(entry) ?? "";
        return result;
    }

    public ConfigurationException Error(string message, string key) => new(message, Origin, KeyPath(key));
}
