using System.Collections;
using System.Globalization;
using System.Management.Automation;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation;

/// <summary>
/// Turns values given as parameters (hashtables, arrays, numbers) into the configuration tree a
/// file is read into, so a definition typed at the prompt is checked by the same binder, with the
/// same messages, as the file it could have been.
/// </summary>
internal static class PowerShellValues
{
    /// <param name="where">The parameter, such as "-Source", for the error.</param>
    /// <exception cref="ConfigurationException">A value that no file could hold, such as a script block.</exception>
    public static object? ToConfigurationTree(object? value, string where)
    {
        var raw = value is PSObject wrapped ? wrapped.BaseObject : value;
        return raw switch
        {
            null => null,
            string text => text,
            bool flag => flag,
            byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(raw, CultureInfo.InvariantCulture),
            float or double or decimal => Convert.ToDouble(raw, CultureInfo.InvariantCulture),
            IDictionary map => ToMap(map, where),
            ScriptBlock => throw new ConfigurationException("a script block is not data here; give code to -Transform", "parameters", where),
            IEnumerable items => items.Cast<object?>().Select((item, i) => ToConfigurationTree(item, ConfigurationTree.Item(where, i))).ToList(),
            var other => Convert.ToString(other, CultureInfo.InvariantCulture),
        };
    }

    private static Dictionary<string, object?> ToMap(IDictionary map, string where)
    {
        var tree = ConfigurationTree.NewMap();
        foreach (DictionaryEntry entry in map)
        {
            var key = entry.Key?.ToString() ?? "";
            var path = ConfigurationTree.Child(where, key);
            if (!tree.TryAdd(key, ToConfigurationTree(entry.Value, path)))
                throw new ConfigurationException("the key appears twice", "parameters", path);
        }
        return tree;
    }
}
