using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sources;

namespace OpsAutomation.Pipelines;

/// <summary>Turns PowerShell objects into pipeline record fields and back, with the value types records hold.</summary>
internal static class PSRecords
{
    /// <summary>
    /// A piped object's fields: a hashtable's keys, or an object's properties, in order, as plain
    /// values. Call it on the pipeline thread: script and code properties run PowerShell, which has
    /// no runspace on a worker.
    /// </summary>
    public static IReadOnlyDictionary<string, object?>? ToFields(object? input)
    {
        var value = input is PSObject ps ? ps.BaseObject : input;
        if (value is null) return null;
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (value is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary) fields[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)!] = ToValue(entry.Value);
            return fields;
        }
        foreach (var property in PSObject.AsPSObject(input).Properties)
        {
            if (!property.IsGettable) continue;
            var read = SafeValue(property);
            fields[property.Name] = read is UnreadableValue ? read : ToValue(read);
        }
        return fields;
    }

    /// <summary>A record as a PSCustomObject with one property per field, for scriptblocks and output.</summary>
    public static PSObject ToPSObject(DataRecord record)
    {
        var result = new PSObject();
        for (var i = 0; i < record.Shape.Count; i++) result.Properties.Add(new PSNoteProperty(record.Shape.Names[i], record.Values[i]));
        return result;
    }

    /// <summary>A value as records hold it: integers as long, floats as double, times as DateTimeOffset, collections as read-only lists and maps.</summary>
    public static object? ToValue(object? value) => (value is PSObject ps ? ps.BaseObject : value) switch
    {
        null => null,
        string or long or double or decimal or bool or DateTimeOffset => value is PSObject p ? p.BaseObject : value,
        int or short or byte or sbyte or ushort or uint => Convert.ToInt64(Unwrap(value), System.Globalization.CultureInfo.InvariantCulture),
        ulong big => big <= long.MaxValue ? (long)big : (decimal)big,
        float single => (double)single,
        DateTime time => time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : new DateTimeOffset(time),
        Enum e => e.ToString(),
        IDictionary map => map.Cast<DictionaryEntry>().ToDictionary(e => Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture)!, e => ToValue(e.Value)),
        IEnumerable list and not string => (IReadOnlyList<object?>)[.. list.Cast<object?>().Select(ToValue)],
        var other when other.GetType().IsPrimitive => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture),
        PSCustomObject => ToFields(value),
        var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    /// <summary>A property's value; one whose getter throws makes its object a source problem naming it (see <see cref="UnreadableValue"/>).</summary>
    private static object? SafeValue(PSPropertyInfo property)
    {
        try
        {
            return property.Value;
        }
        catch (GetValueException ex)
        {
            return new UnreadableValue((ex.InnerException ?? ex).Message);
        }
    }
}
