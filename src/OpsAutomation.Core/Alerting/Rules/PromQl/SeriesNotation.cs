using System.Globalization;

namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>
/// promtool's series notation for test input: values such as '1+1x10', '0 1 _x3 stale' or '1x5',
/// and series such as 'metric{a="b"}'. Errors are FormatExceptions naming the bad token and its position.
/// </summary>
public static class SeriesNotation
{
    /// <summary>
    /// The values, one per evaluation interval from time 0: a number (Inf, NaN, signs allowed);
    /// '_' a missing sample; 'stale' <see cref="SeriesStore.StaleMarker"/>; 'axn' n+1 times a;
    /// 'a+bxn' / 'a-bxn' the n+1 values a, a±b, ... (added step by step, as promtool does);
    /// '_xn' n missing samples. Null stands for a missing sample.
    /// </summary>
    public static IReadOnlyList<double?> Expand(string values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new List<double?>();
        var i = 0;
        while (true)
        {
            while (i < values.Length && char.IsWhiteSpace(values[i])) i++;
            if (i >= values.Length) return result;
            var start = i;
            while (i < values.Length && !char.IsWhiteSpace(values[i])) i++;
            ExpandToken(values[start..i], start + 1, result);
        }
    }

    private static void ExpandToken(string token, int position, List<double?> result)
    {
        var times = token.LastIndexOf('x');
        long? repeat = null;
        var body = token;
        // A hex number never appears in series values, so x is always the repetition.
        if (times >= 0)
        {
            if (!long.TryParse(token.AsSpan(times + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw Bad(token, position, "the repetition after 'x' must be a whole number");
            repeat = n;
            body = token[..times];
        }
        if (body == "_")
        {
            for (var k = 0L; k < (repeat ?? 1); k++) result.Add(null);
            return;
        }
        if (body == "stale")
        {
            if (repeat is not null) throw Bad(token, position, "'stale' cannot repeat");
            result.Add(SeriesStore.StaleMarker);
            return;
        }
        // a, or a+b / a-b: the operator is the first sign that is not the number's own leading sign or an exponent's.
        var split = -1;
        for (var k = 1; k < body.Length; k++)
        {
            if (body[k] is '+' or '-' && body[k - 1] is not ('e' or 'E')) { split = k; break; }
        }
        var first = split < 0 ? body : body[..split];
        if (!TryParseNumber(first, out var value)) throw Bad(token, position, $"'{first}' is not a number");
        if (split < 0)
        {
            for (var k = 0L; k <= (repeat ?? 0); k++) result.Add(value);
            return;
        }
        if (repeat is null) throw Bad(token, position, "an increment needs a repetition, as in 1+1x10");
        if (!TryParseNumber(body[split..], out var step)) throw Bad(token, position, $"'{body[(split + 1)..]}' is not a number");
        for (var k = 0L; k <= repeat; k++)
        {
            result.Add(value);
            value += step;
        }
    }

    /// <summary>A series 'metric{a="b", c="d"}' (or '{__name__="metric"}', a bare name, or '{}' for none): its labels, "__name__" included.</summary>
    public static (IReadOnlyDictionary<string, string> Labels, string? MetricName) ParseSeries(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<Token> tokens;
        try
        {
            tokens = Lexer.Tokenize(text);
        }
        catch (PromQlException ex)
        {
            throw new FormatException($"series '{text}': {ex.Message}", ex);
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        if (tokens[i].Kind == TokenKind.Identifier) labels[LabelSet.MetricName] = tokens[i++].Text;
        if (tokens[i].Kind == TokenKind.LeftBrace)
        {
            i++;
            while (tokens[i].Kind != TokenKind.RightBrace)
            {
                var name = tokens[i];
                if (name.Kind != TokenKind.Identifier) throw BadSeries(text, name, "a label name");
                if (tokens[i + 1].Kind != TokenKind.Assign) throw BadSeries(text, tokens[i + 1], "'='");
                var value = tokens[i + 2];
                if (value.Kind != TokenKind.String) throw BadSeries(text, value, "a quoted label value");
                if (!labels.TryAdd(name.Text, value.Text)) throw BadSeries(text, name, "each label once");
                i += 3;
                if (tokens[i].Kind == TokenKind.Comma) i++;
                else if (tokens[i].Kind != TokenKind.RightBrace) throw BadSeries(text, tokens[i], "',' or '}'");
            }
            i++;
        }
        if (i == 0) throw BadSeries(text, tokens[i], "a metric name or '{'");
        if (tokens[i].Kind != TokenKind.End) throw BadSeries(text, tokens[i], "the end");
        return (labels, labels.TryGetValue(LabelSet.MetricName, out var metric) ? metric : null);
    }

    private static bool TryParseNumber(string text, out double value) => Evaluator.TryParseGoFloat(text, out value);

    private static FormatException Bad(string token, int position, string why) =>
        new($"bad value '{token}' at position {position}: {why}");

    private static FormatException BadSeries(string text, Token token, string expected) =>
        new($"series '{text}': unexpected {(token.Kind == TokenKind.End ? "end" : $"'{token.Text}'")} at position {token.Position + 1}, expected {expected}");
}
