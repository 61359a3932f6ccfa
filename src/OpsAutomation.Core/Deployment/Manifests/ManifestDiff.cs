using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>
/// A unified diff, as kubectl diff shows it, of a live object against what an apply makes of it: both
/// written as YAML with sorted keys, without the fields the server keeps for itself (managedFields,
/// resourceVersion, generation, uid, creationTimestamp, status). A Secret's data and stringData are
/// never written: a change to them is the one line "(secret data changed)".
/// </summary>
public static class ManifestDiff
{
    private const int Context = 3;

    /// <summary>The line a diff shows instead of a Secret's changed data.</summary>
    public const string SecretDataChanged = "(secret data changed)";

    private static readonly string[] ServerMetadata = ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"];
    private static readonly string[] SecretFields = ["data", "stringData"];

    /// <summary>The diff of <paramref name="live"/> (null when the object does not exist) and <paramref name="applied"/>; empty when nothing changes.</summary>
    public static string Render(JsonObject? live, JsonObject applied, bool secret, string title)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var before = live is null ? [] : Lines(Normalize(live, secret));
        var after = Lines(Normalize(applied, secret));
        var edits = Edits(before, after);
        if (secret && !JsonNode.DeepEquals(SecretData(live), SecretData(applied)))
            edits.Add(new Edit('+', SecretDataChanged, before.Count, after.Count));
        if (edits.All(e => e.Op == ' ')) return "";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"--- {(live is null ? "/dev/null" : "live " + title)}\n");
        text.Append(CultureInfo.InvariantCulture, $"+++ applied {title}\n");
        foreach (var hunk in Hunks(edits))
        {
            var first = hunk[0];
            var oldCount = hunk.Count(e => e.Op != '+');
            var newCount = hunk.Count(e => e.Op != '-');
            text.Append(CultureInfo.InvariantCulture, $"@@ -{(oldCount == 0 ? first.OldIndex : first.OldIndex + 1)},{oldCount} +{(newCount == 0 ? first.NewIndex : first.NewIndex + 1)},{newCount} @@\n");
            foreach (var edit in hunk) text.Append(edit.Op).Append(edit.Line).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Whether the two are the same object but for the fields the server keeps for itself (a Secret's data compared too).</summary>
    public static bool SameContent(JsonObject before, JsonObject after) =>
        JsonNode.DeepEquals(Normalize(before, secret: false), Normalize(after, secret: false));

    private static JsonObject Normalize(JsonObject source, bool secret)
    {
        var copy = (JsonObject)source.DeepClone();
        copy.Remove("status");
        if (copy["metadata"] is JsonObject metadata)
        {
            foreach (var field in ServerMetadata) metadata.Remove(field);
        }
        if (secret)
        {
            foreach (var field in SecretFields) copy.Remove(field);
        }
        return copy;
    }

    // What a Secret holds, as the server keeps it (stringData is written into data).
    private static JsonObject SecretData(JsonObject? secret)
    {
        var data = new JsonObject();
        if (secret?["data"] is JsonObject values)
        {
            foreach (var (key, value) in values) data[key] = value?.DeepClone();
        }
        if (secret?["stringData"] is JsonObject strings)
        {
            foreach (var (key, value) in strings)
            {
                data[key] = value is JsonValue text && text.TryGetValue<string>(out var s) ? Convert.ToBase64String(Encoding.UTF8.GetBytes(s)) : value?.DeepClone();
            }
        }
        return data;
    }

    private static List<string> Lines(JsonObject value)
    {
        var lines = new List<string>();
        WriteMapping(value, 0, lines, firstPrefix: null);
        return lines;
    }

    private static void WriteMapping(JsonObject mapping, int indent, List<string> lines, string? firstPrefix)
    {
        var pad = new string(' ', indent);
        var first = true;
        foreach (var (key, value) in mapping.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var prefix = first && firstPrefix is not null ? firstPrefix : pad;
            first = false;
            var name = Scalar(key);
            switch (value)
            {
                case JsonObject { Count: > 0 } child:
                    lines.Add($"{prefix}{name}:");
                    WriteMapping(child, indent + 2, lines, null);
                    break;
                case JsonArray { Count: > 0 } items:
                    lines.Add($"{prefix}{name}:");
                    WriteSequence(items, indent, lines);
                    break;
                default:
                    lines.Add($"{prefix}{name}: {Inline(value)}");
                    break;
            }
        }
    }

    private static void WriteSequence(JsonArray items, int indent, List<string> lines)
    {
        var pad = new string(' ', indent);
        foreach (var item in items)
        {
            switch (item)
            {
                case JsonObject { Count: > 0 } mapping:
                    WriteMapping(mapping, indent + 2, lines, pad + "- ");
                    break;
                case JsonArray { Count: > 0 } nested:
                    lines.Add($"{pad}-");
                    WriteSequence(nested, indent + 2, lines);
                    break;
                default:
                    lines.Add($"{pad}- {Inline(item)}");
                    break;
            }
        }
    }

    private static string Inline(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Scalar(v.GetValue<string>()),
        _ => value.ToJsonString(),
    };

    // Plain when YAML would read it back as the same string; JSON-quoted otherwise.
    private static string Scalar(string text)
    {
        var plain = text.Length > 0
            && !char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(text[^1])
            && "-?:,[]{}#&*!|>'\"%@`".IndexOf(text[0], StringComparison.Ordinal) < 0
            && !text.Contains(": ", StringComparison.Ordinal) && !text.Contains(" #", StringComparison.Ordinal)
            && !text.Any(char.IsControl)
            && text is not ("true" or "false" or "null" or "~" or "True" or "False" or "Null" or "TRUE" or "FALSE" or "NULL")
            && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        return plain ? text : JsonSerializer.Serialize(text);
    }

    private readonly record struct Edit(char Op, string Line, int OldIndex, int NewIndex);

    /// <summary>The edit script: the longest common subsequence of the lines between their common start and end.</summary>
    private static List<Edit> Edits(List<string> before, List<string> after)
    {
        var start = 0;
        while (start < before.Count && start < after.Count && before[start] == after[start]) start++;
        var end = 0;
        while (end < before.Count - start && end < after.Count - start && before[^(end + 1)] == after[^(end + 1)]) end++;
        var n = before.Count - start - end;
        var m = after.Count - start - end;
        var edits = new List<Edit>(before.Count + after.Count);
        for (var i = 0; i < start; i++) edits.Add(new Edit(' ', before[i], i, i));
        if ((long)n * m > 4_000_000)
        {
            // Too large to align line by line: the whole middle goes, then comes.
            for (var i = 0; i < n; i++) edits.Add(new Edit('-', before[start + i], start + i, start));
            for (var j = 0; j < m; j++) edits.Add(new Edit('+', after[start + j], start + n, start + j));
        }
        else
        {
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
            {
                for (var j = m - 1; j >= 0; j--)
                    lcs[i, j] = before[start + i] == after[start + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
            int x = 0, y = 0;
            while (x < n || y < m)
            {
                if (x < n && y < m && before[start + x] == after[start + y])
                {
                    edits.Add(new Edit(' ', before[start + x], start + x, start + y));
                    x++;
                    y++;
                }
                else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
                {
                    // Removals before additions, as diff -u writes a changed line.
                    edits.Add(new Edit('-', before[start + x], start + x, start + y));
                    x++;
                }
                else
                {
                    edits.Add(new Edit('+', after[start + y], start + x, start + y));
                    y++;
                }
            }
        }
        for (var k = 0; k < end; k++) edits.Add(new Edit(' ', before[start + n + k], start + n + k, start + m + k));
        return edits;
    }

    /// <summary>The changes with up to three unchanged lines around them; changes closer than that share a hunk.</summary>
    private static IEnumerable<List<Edit>> Hunks(List<Edit> edits)
    {
        var changed = edits.Select((e, i) => (e, i)).Where(p => p.e.Op != ' ').Select(p => p.i).ToList();
        var index = 0;
        while (index < changed.Count)
        {
            var from = Math.Max(0, changed[index] - Context);
            var to = changed[index];
            while (index + 1 < changed.Count && changed[index + 1] - to <= 2 * Context) to = changed[++index];
            index++;
            to = Math.Min(edits.Count - 1, to + Context);
            yield return edits.GetRange(from, to - from + 1);
        }
    }
}
