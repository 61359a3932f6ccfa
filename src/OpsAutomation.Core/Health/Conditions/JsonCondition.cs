using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Health.Conditions;

/// <summary>
/// A condition on a JSON body: <c>path op value</c>, such as <c>status == "green"</c>,
/// <c>$.checks[0].ok == true</c>, <c>queue.depth &lt; 100</c> or <c>version =~ "^8\."</c>.
/// Paths are dot-separated names with optional [index]; values are JSON literals
/// (a string in double or single quotes, a number, true, false or null).
/// </summary>
internal sealed partial class JsonCondition
{
    private static readonly string[] Operators = ["==", "!=", "<=", ">=", "=~", "!~", "<", ">"];

    private readonly IReadOnlyList<object> _path;
    private readonly string _operator;
    private readonly JsonElement _value;
    private readonly Regex? _regex;

    private JsonCondition(string text, IReadOnlyList<object> path, string op, JsonElement value, Regex? regex)
    {
        Text = text;
        _path = path;
        _operator = op;
        _value = value;
        _regex = regex;
    }

    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static JsonCondition Parse(string text)
    {
        var (index, op) = FindOperator(text);
        if (index < 0)
            throw new FormatException($"'{text}' has no operator; write path op value with op one of {string.Join(" ", Operators)}");
        var path = ParsePath(text[..index].Trim(), text);
        var literal = text[(index + op.Length)..].Trim();
        if (literal.Length == 0) throw new FormatException($"'{text}' has no value after '{op}'");
        if (literal[0] == '\'' && literal[^1] == '\'' && literal.Length >= 2)
            literal = JsonSerializer.Serialize(literal[1..^1]);
        JsonElement value;
        try
        {
            value = JsonDocument.Parse(literal).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new FormatException($"'{literal}' in '{text}' is not a JSON value; quote strings: \"green\"");
        }
        Regex? regex = null;
        if (op is "=~" or "!~")
        {
            if (value.ValueKind != JsonValueKind.String) throw new FormatException($"'{op}' in '{text}' needs a quoted regular expression");
            try { regex = new Regex(value.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException ex) { throw new FormatException($"'{value.GetString()}' in '{text}' is not a valid regular expression: {ex.Message}"); }
        }
        else if (op is "<" or "<=" or ">" or ">=" && value.ValueKind != JsonValueKind.Number)
        {
            throw new FormatException($"'{op}' in '{text}' compares numbers; '{literal}' is not a number");
        }
        return new JsonCondition(text, path, op, value, regex);
    }

    /// <summary>Null when the condition holds, else why not.</summary>
    public string? Evaluate(JsonElement root)
    {
        if (!TryResolve(root, out var actual))
            return $"{Text}: the body has no {PathText()}";
        var holds = _operator switch
        {
            "==" => JsonEquals(actual, _value),
            "!=" => !JsonEquals(actual, _value),
            "=~" => actual.ValueKind == JsonValueKind.String ? _regex!.IsMatch(actual.GetString()!) : _regex!.IsMatch(actual.GetRawText()),
            "!~" => !(actual.ValueKind == JsonValueKind.String ? _regex!.IsMatch(actual.GetString()!) : _regex!.IsMatch(actual.GetRawText())),
            _ => actual.ValueKind == JsonValueKind.Number && Compare(actual.GetDouble(), _value.GetDouble()),
        };
        return holds ? null : $"{Text}: {PathText()} is {Shorten(actual.GetRawText())}";
    }

    private bool Compare(double actual, double expected) => _operator switch
    {
        "<" => actual < expected,
        "<=" => actual <= expected,
        ">" => actual > expected,
        _ => actual >= expected,
    };

    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number) return a.GetDouble() == b.GetDouble();
        if (a.ValueKind != b.ValueKind) return false;
        return a.ValueKind switch
        {
            JsonValueKind.String => a.GetString() == b.GetString(),
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => true,
            _ => a.GetRawText() == b.GetRawText(),
        };
    }

    private bool TryResolve(JsonElement root, out JsonElement current)
    {
        current = root;
        foreach (var step in _path)
        {
            if (step is string name)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current)) return false;
            }
            else
            {
                var i = (int)step;
                if (current.ValueKind != JsonValueKind.Array || i >= current.GetArrayLength()) return false;
                current = current[i];
            }
        }
        return true;
    }

    private string PathText() => string.Concat(_path.Select((s, i) => s is int n ? $"[{n}]" : (i == 0 ? "" : ".") + s));

    private static string Shorten(string raw) => raw.Length <= 80 ? raw : raw[..77] + "...";

    private static (int Index, string Operator) FindOperator(string text)
    {
        var inQuote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuote != '\0') { if (c == inQuote) inQuote = '\0'; continue; }
            if (c is '"' or '\'') { inQuote = c; continue; }
            foreach (var op in Operators)
            {
                if (string.CompareOrdinal(text, i, op, 0, op.Length) == 0) return (i, op);
            }
        }
        return (-1, "");
    }

    private static List<object> ParsePath(string path, string text)
    {
        if (path.StartsWith("$.", StringComparison.Ordinal)) path = path[2..];
        else if (path == "$") path = "";
        var steps = new List<object>();
        foreach (Match m in PathStep().Matches(path))
        {
            if (m.Groups["name"].Success) steps.Add(m.Groups["name"].Value);
            else steps.Add(int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture));
        }
        var rebuilt = string.Concat(PathStep().Matches(path).Select(m => m.Value));
        if (steps.Count == 0 || rebuilt != path)
            throw new FormatException($"'{path}' in '{text}' is not a path such as status or $.checks[0].ok");
        return steps;
    }

    [GeneratedRegex(@"(?:^|\.)(?<name>[A-Za-z_][A-Za-z0-9_\-]*)|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();
}
