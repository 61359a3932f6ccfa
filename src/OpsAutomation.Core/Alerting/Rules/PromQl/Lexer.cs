using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Alerting.Rules.PromQl;

internal enum TokenKind
{
    End, Identifier, Number, String, Duration,
    LeftParen, RightParen, LeftBrace, RightBrace, LeftBracket, RightBracket, Comma, Colon, At,
    Assign, NotEqual, RegexMatch, RegexNoMatch,
    Add, Sub, Mul, Div, Mod, Pow, EqualEqual, Greater, Less, GreaterEqual, LessEqual,
}

/// <summary>A token; <see cref="Position"/> is 0-based, error messages add one.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Position, double Number = 0);

/// <summary>PromQL's tokens: identifiers (metric names may hold colons), numbers (decimal, hex, octal, Inf, NaN), Go-quoted strings, durations inside brackets, operators; # starts a comment.</summary>
internal static class Lexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        var bracketDepth = 0;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == '#'))
            {
                if (text[i] == '#')
                {
                    while (i < text.Length && text[i] != '\n') i++;
                }
                else
                {
                    i++;
                }
            }
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", text.Length));
                return tokens;
            }
            var start = i;
            var c = text[i];
            if (bracketDepth > 0 && char.IsAsciiDigit(c))
            {
                while (i < text.Length && char.IsAsciiLetterOrDigit(text[i])) i++;
                tokens.Add(new Token(TokenKind.Duration, text[start..i], start));
                continue;
            }
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                i = ScanNumber(text, i);
                var literal = text[start..i];
                if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
                {
                    // A duration outside a range: only offset would take one, and the parser refuses it by name.
                    while (i < text.Length && char.IsAsciiLetterOrDigit(text[i])) i++;
                    tokens.Add(new Token(TokenKind.Duration, text[start..i], start));
                    continue;
                }
                tokens.Add(new Token(TokenKind.Number, literal, start, ParseNumber(literal, start)));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_' || (c == ':' && bracketDepth == 0))
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or ':')) i++;
                var word = text[start..i];
                if (word.Equals("inf", StringComparison.OrdinalIgnoreCase)) tokens.Add(new Token(TokenKind.Number, word, start, double.PositiveInfinity));
                else if (word.Equals("nan", StringComparison.OrdinalIgnoreCase)) tokens.Add(new Token(TokenKind.Number, word, start, double.NaN));
                else tokens.Add(new Token(TokenKind.Identifier, word, start));
                continue;
            }
            if (c is '"' or '\'' or '`')
            {
                var (value, end) = ScanString(text, i);
                tokens.Add(new Token(TokenKind.String, value, start));
                i = end;
                continue;
            }
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            (TokenKind kind, int length) = c switch
            {
                '(' => (TokenKind.LeftParen, 1),
                ')' => (TokenKind.RightParen, 1),
                '{' => (TokenKind.LeftBrace, 1),
                '}' => (TokenKind.RightBrace, 1),
                '[' => (TokenKind.LeftBracket, 1),
                ']' => (TokenKind.RightBracket, 1),
                ',' => (TokenKind.Comma, 1),
                ':' => (TokenKind.Colon, 1),
                '@' => (TokenKind.At, 1),
                '+' => (TokenKind.Add, 1),
                '-' => (TokenKind.Sub, 1),
                '*' => (TokenKind.Mul, 1),
                '/' => (TokenKind.Div, 1),
                '%' => (TokenKind.Mod, 1),
                '^' => (TokenKind.Pow, 1),
                '=' when next == '=' => (TokenKind.EqualEqual, 2),
                '=' when next == '~' => (TokenKind.RegexMatch, 2),
                '=' => (TokenKind.Assign, 1),
                '!' when next == '=' => (TokenKind.NotEqual, 2),
                '!' when next == '~' => (TokenKind.RegexNoMatch, 2),
                '>' when next == '=' => (TokenKind.GreaterEqual, 2),
                '>' => (TokenKind.Greater, 1),
                '<' when next == '=' => (TokenKind.LessEqual, 2),
                '<' => (TokenKind.Less, 1),
                _ => (TokenKind.End, 0),
            };
            if (length == 0) throw new PromQlException($"parse error at position {start + 1}: unexpected character '{c}'", start + 1);
            if (kind == TokenKind.LeftBracket) bracketDepth++;
            if (kind == TokenKind.RightBracket && bracketDepth > 0) bracketDepth--;
            tokens.Add(new Token(kind, text.Substring(start, length), start));
            i += length;
        }
    }

    private static int ScanNumber(string text, int i)
    {
        if (text[i] == '0' && i + 1 < text.Length && text[i + 1] is 'x' or 'X')
        {
            i += 2;
            while (i < text.Length && char.IsAsciiHexDigit(text[i])) i++;
            return i;
        }
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < text.Length && text[j] is '+' or '-') j++;
            if (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                while (j < text.Length && char.IsAsciiDigit(text[j])) j++;
                i = j;
            }
        }
        return i;
    }

    /// <summary>As Prometheus's parseNumber: an integer in Go's base-prefix syntax (0x hex, leading-0 octal) first, then a float.</summary>
    private static double ParseNumber(string literal, int position)
    {
        if (literal.Length > 2 && literal[0] == '0' && literal[1] is 'x' or 'X'
            && long.TryParse(literal.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0)
        {
            return hex;
        }
        if (literal.Length > 1 && literal[0] == '0' && literal.All(d => d is >= '0' and <= '7') && TryParseOctal(literal, out var octal)) return octal;
        // Go's ParseFloat refuses a literal out of range (1e309) where .NET gives infinity.
        if (double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)) return value;
        throw new PromQlException($"parse error at position {position + 1}: bad number \"{literal}\"", position + 1);
    }

    // Too large for Go's ParseInt: Prometheus then reads the digits as a decimal float.
    private static bool TryParseOctal(string literal, out long value)
    {
        value = 0;
        foreach (var digit in literal)
        {
            if (value > (long.MaxValue - 7) / 8) return false;
            value = value * 8 + (digit - '0');
        }
        return true;
    }

    private static (string Value, int End) ScanString(string text, int start)
    {
        var quote = text[start];
        var value = new StringBuilder();
        var i = start + 1;
        while (true)
        {
            if (i >= text.Length || (quote != '`' && text[i] == '\n'))
                throw new PromQlException($"parse error at position {start + 1}: unterminated quoted string", start + 1);
            var c = text[i];
            if (c == quote) return (value.ToString(), i + 1);
            if (c != '\\' || quote == '`')
            {
                value.Append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.Length) throw new PromQlException($"parse error at position {start + 1}: unterminated quoted string", start + 1);
            var escape = text[i + 1];
            i += 2;
            switch (escape)
            {
                case 'a': value.Append('\a'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'n': value.Append('\n'); break;
                case 'r': value.Append('\r'); break;
                case 't': value.Append('\t'); break;
                case 'v': value.Append('\v'); break;
                case '\\': value.Append('\\'); break;
                case '"' or '\'' when escape == quote: value.Append(escape); break;
                case 'x': i = AppendCode(text, i, 2, 16, value, start); break;
                case 'u': i = AppendCode(text, i, 4, 16, value, start); break;
                case 'U': i = AppendCode(text, i, 8, 16, value, start); break;
                case >= '0' and <= '7': i = AppendCode(text, i - 1, 3, 8, value, start); break;
                default:
                    throw new PromQlException($"parse error at position {i - 1}: unknown escape sequence '\\{escape}'", i - 1);
            }
        }
    }

    private static int AppendCode(string text, int i, int digits, int radix, StringBuilder value, int start)
    {
        if (i + digits > text.Length) throw new PromQlException($"parse error at position {start + 1}: bad escape sequence", start + 1);
        var code = 0;
        for (var k = 0; k < digits; k++)
        {
            var digit = char.IsAsciiHexDigit(text[i + k]) ? Convert.ToInt32(text[i + k].ToString(), 16) : radix;
            if (digit >= radix) throw new PromQlException($"parse error at position {i + k + 1}: bad escape sequence", i + k + 1);
            code = code * radix + digit;
        }
        // As Go's strconv.UnquoteChar: a surrogate half or a code past U+10FFFF is no character.
        if (code > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF)
            throw new PromQlException($"parse error at position {start + 1}: invalid Unicode code point in escape sequence", start + 1);
        value.Append(char.ConvertFromUtf32(code));
        return i + digits;
    }
}
