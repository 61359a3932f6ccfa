using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>Text and numbers as they may appear in an SVG that is inline in HTML and valid XML.</summary>
internal static class SvgText
{
    /// <summary>
    /// Escapes the five markup characters, and replaces what XML forbids even as a reference
    /// (control characters, lone surrogates) so the chart stays well-formed whatever a name holds.
    /// </summary>
    public static string Encode(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var encoded = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': encoded.Append("&amp;"); break;
                case '<': encoded.Append("&lt;"); break;
                case '>': encoded.Append("&gt;"); break;
                case '"': encoded.Append("&quot;"); break;
                case '\'': encoded.Append("&#39;"); break;
                case '\t' or '\n' or '\r': encoded.Append(' '); break;
                case < ' ' or '\uFFFE' or '\uFFFF': encoded.Append('\uFFFD'); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) encoded.Append(c).Append(text[++i]);
                    else if (char.IsSurrogate(c)) encoded.Append('\uFFFD');
                    else encoded.Append(c);
                    break;
            }
        }
        return encoded.ToString();
    }

    /// <summary>A label cut to <paramref name="max"/> characters with an ellipsis; the full text goes into the mark's title.</summary>
    public static string Shorten(string? text, int max)
    {
        text ??= "";
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
    }

    /// <summary>A coordinate: invariant culture, two decimals at most, so a page stays small and culture-proof.</summary>
    public static string Num(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A value as a label: up to three significant decimals.</summary>
    public static string Value(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A token safe in a class or id: ASCII letters, digits and dashes, lower-case.</summary>
    public static string Token(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        return new string([.. text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-')]);
    }
}
