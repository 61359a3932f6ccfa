using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>A label or annotation template that uses something outside the supported subset, or is malformed.</summary>
public sealed class RuleTemplateException(string message) : Exception(message);

/// <summary>
/// The subset of Prometheus's Go templates that rule labels and annotations use most:
/// <c>{{ $labels.name }}</c>, <c>{{ $value }}</c> (also <c>.Labels.name</c>, <c>.Value</c>),
/// pipes and calls of humanize, humanize1024, humanizePercentage, humanizeDuration, printf
/// (verbs %s %v %f %g with an optional precision), toUpper and toLower, the <c>{{-</c>/<c>-}}</c>
/// trim markers and comments. Anything else (if, range, query, variables...) is refused at
/// parse time with the construct named, never expanded wrongly.
/// </summary>
public sealed class RuleTemplate
{
    private static readonly string[] Functions = ["humanize", "humanize1024", "humanizePercentage", "humanizeDuration", "printf", "toUpper", "toLower"];

    private readonly IReadOnlyList<Func<Scope, string>> _parts;

    private RuleTemplate(string text, IReadOnlyList<Func<Scope, string>> parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    private sealed record Scope(IReadOnlyDictionary<string, string> Labels, double Value);

    public static RuleTemplate Parse(string text)
    {
        var parts = new List<Func<Scope, string>>();
        var literal = new StringBuilder();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Append(text, position, text.Length - position);
                break;
            }
            literal.Append(text, position, open - position);
            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) throw new RuleTemplateException($"unclosed action '{Shorten(text[open..])}': '{{{{' has no '}}}}'");
            var action = text[(open + 2)..close];
            position = close + 2;
            if (action.StartsWith('-'))
            {
                action = action[1..];
                var trimmed = literal.ToString().TrimEnd();
                literal.Clear().Append(trimmed);
            }
            var trimAfter = action.EndsWith('-');
            if (trimAfter) action = action[..^1];
            var content = action.Trim();
            if (!(content.StartsWith("/*", StringComparison.Ordinal) && content.EndsWith("*/", StringComparison.Ordinal)))
            {
                FlushLiteral(parts, literal);
                parts.Add(ParsePipeline(content, "{{" + action + "}}"));
            }
            if (trimAfter)
                while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
        }
        FlushLiteral(parts, literal);
        return new RuleTemplate(text, parts);
    }

    /// <summary>The text for one series; a label the series lacks expands to "", as Prometheus's missingkey=zero does.</summary>
    public string Expand(IReadOnlyDictionary<string, string> labels, double value)
    {
        var scope = new Scope(labels, value);
        var sb = new StringBuilder();
        foreach (var part in _parts) sb.Append(part(scope));
        return sb.ToString();
    }

    private static void FlushLiteral(List<Func<Scope, string>> parts, StringBuilder literal)
    {
        if (literal.Length == 0) return;
        var text = literal.ToString();
        parts.Add(_ => text);
        literal.Clear();
    }

    private static Func<Scope, string> ParsePipeline(string content, string action)
    {
        if (content.Length == 0) throw new RuleTemplateException($"empty action '{action}'");
        Func<Scope, object>? piped = null;
        foreach (var command in SplitPipe(content, action))
        {
            var tokens = Tokenize(command, action);
            if (tokens.Count == 0) throw new RuleTemplateException($"empty command in '{action}'");
            var head = tokens[0];
            if (Array.IndexOf(Functions, head) >= 0)
            {
                var args = tokens.Skip(1).Select(t => Operand(t, action)).ToList();
                // A literal printf format is checked now, so a rule file with an unsupported verb fails validation.
                if (head == "printf" && tokens.Count > 1 && tokens[1][0] is '"' or '`')
                    Printf(ToText(args[0](new Scope(new Dictionary<string, string>(), 0))), [.. Enumerable.Repeat<object>(0.0, tokens[1].Length)], action);
                if (piped is not null) args.Add(piped);
                piped = Call(head, args, action);
            }
            else if (piped is null && tokens.Count == 1)
            {
                piped = Operand(head, action);
            }
            else
            {
                throw new RuleTemplateException($"unsupported template construct '{head}' in '{action}': supported are $labels.<name>, $value and the functions {string.Join(", ", Functions)}");
            }
        }
        var result = piped!;
        return scope => ToText(result(scope));
    }

    private static Func<Scope, object> Operand(string token, string action)
    {
        if (token is "$value" or ".Value") return scope => scope.Value;
        foreach (var prefix in (string[])["$labels.", ".Labels."])
        {
            if (!token.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var name = token[prefix.Length..];
            if (!RuleFileReader.IsValidLabelName(name)) break;
            return scope => scope.Labels.GetValueOrDefault(name, "");
        }
        if (token.Length >= 2 && token[0] is '"' or '`' && token[^1] == token[0])
        {
            var text = token[1..^1];
            if (token[0] == '"') text = text.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            return _ => text;
        }
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return _ => number;
        throw new RuleTemplateException($"unsupported template construct '{token}' in '{action}': supported are $labels.<name>, $value and the functions {string.Join(", ", Functions)}");
    }

    private static Func<Scope, object> Call(string function, List<Func<Scope, object>> args, string action)
    {
        if (function == "printf")
        {
            if (args.Count == 0) throw new RuleTemplateException($"printf needs a format in '{action}'");
            var format = args[0];
            var values = args.Skip(1).ToList();
            return scope => Printf(ToText(format(scope)), values.Select(v => v(scope)).ToList(), action);
        }
        if (args.Count != 1) throw new RuleTemplateException($"{function} takes one argument in '{action}', not {args.Count}");
        var arg = args[0];
        return function switch
        {
            "toUpper" => scope => ToText(arg(scope)).ToUpperInvariant(),
            "toLower" => scope => ToText(arg(scope)).ToLowerInvariant(),
            "humanize" => scope => Humanize.Decimal(ToNumber(arg(scope), function)),
            "humanize1024" => scope => Humanize.Binary(ToNumber(arg(scope), function)),
            "humanizePercentage" => scope => Humanize.Percentage(ToNumber(arg(scope), function)),
            _ => scope => Humanize.Duration(ToNumber(arg(scope), function)),
        };
    }

    private static string Printf(string format, List<object> values, string action)
    {
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                sb.Append(format[i]);
                continue;
            }
            var start = i++;
            if (i < format.Length && format[i] == '%')
            {
                sb.Append('%');
                continue;
            }
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                var digits = 0;
                while (i + 1 < format.Length && char.IsAsciiDigit(format[i + 1])) digits = digits * 10 + (format[++i] - '0');
                precision = digits;
                i++;
            }
            if (i >= format.Length || format[i] is not ('s' or 'v' or 'f' or 'g'))
                throw new RuleTemplateException($"unsupported printf verb '{format[start..Math.Min(i + 1, format.Length)]}' in '{action}': supported are %s %v %f %g with an optional precision");
            if (next >= values.Count) throw new RuleTemplateException($"printf format '{format}' has more verbs than arguments in '{action}'");
            var value = values[next++];
            sb.Append(format[i] switch
            {
                'f' => GoNumberFormat.Fixed(ToNumber(value, "printf %f"), precision ?? 6),
                'g' => GoNumberFormat.General(ToNumber(value, "printf %g"), precision),
                _ => ToText(value),
            });
        }
        return sb.ToString();
    }

    private static string ToText(object value) => value is double d ? GoNumberFormat.Value(d) : (string)value;

    private static double ToNumber(object value, string function) => value switch
    {
        double d => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new RuleTemplateException($"{function} needs a number, not '{value}'"),
    };

    private static List<string> SplitPipe(string content, string action)
    {
        var commands = new List<string>();
        var start = 0;
        char? quote = null;
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (quote is { } q)
            {
                if (c == '\\' && q == '"') i++;
                else if (c == q) quote = null;
            }
            else if (c is '"' or '`') quote = c;
            else if (c == '|')
            {
                commands.Add(content[start..i]);
                start = i + 1;
            }
            else if (c is '(' or ')' or '=' || (c == ':' && i + 1 < content.Length && content[i + 1] == '='))
            {
                var construct = c == ':' ? ":=" : c.ToString();
                throw new RuleTemplateException($"unsupported template construct '{construct}' in '{action}': supported are $labels.<name>, $value and the functions {string.Join(", ", Functions)}");
            }
        }
        if (quote is not null) throw new RuleTemplateException($"unterminated string in '{action}'");
        commands.Add(content[start..]);
        return commands;
    }

    private static List<string> Tokenize(string command, string action)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < command.Length)
        {
            if (char.IsWhiteSpace(command[i]))
            {
                i++;
                continue;
            }
            var start = i;
            if (command[i] is '"' or '`')
            {
                var quote = command[i++];
                while (i < command.Length && command[i] != quote) i += command[i] == '\\' && quote == '"' ? 2 : 1;
                if (i >= command.Length) throw new RuleTemplateException($"unterminated string in '{action}'");
                i++;
            }
            else
            {
                while (i < command.Length && !char.IsWhiteSpace(command[i])) i++;
            }
            tokens.Add(command[start..i]);
        }
        return tokens;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
