using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>
/// Go's fmt formatting of float64 (%v, %.Ng, %.Nf), so expanded templates read exactly as
/// Prometheus writes them.
/// </summary>
internal static class GoNumberFormat
{
    /// <summary>%v: the shortest digits that round-trip, in exponent form below 1e-4 and from 1e6 on, as Go writes them.</summary>
    public static string Value(double v) => General(v, precision: null);

    /// <summary>%.{precision}g; null precision is the shortest representation (%v).</summary>
    public static string General(double v, int? precision)
    {
        if (Special(v) is { } special) return special;
        var negative = v < 0 || (v == 0 && double.IsNegative(v));
        var text = precision is { } p
            ? Math.Abs(v).ToString("E" + Math.Max(p - 1, 0).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        var (digits, point) = Decompose(text);
        var eprec = precision ?? 6;
        if (precision is { } given && given > digits.Length && digits.Length >= point) eprec = digits.Length;
        var exponent = point - 1;
        var sb = new StringBuilder(negative ? "-" : "");
        if (digits == "0") return sb.Append('0').ToString();
        if (exponent < -4 || exponent >= eprec)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (point <= 0) return sb.Append("0.").Append('0', -point).Append(digits).ToString();
        if (point >= digits.Length) return sb.Append(digits).Append('0', point - digits.Length).ToString();
        return sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point).ToString();
    }

    /// <summary>strconv.FormatFloat(v, 'E', -1, 64): the shortest digits that round-trip as d.dddE+XX, as promtool writes sample values.</summary>
    public static string Exponent(double v)
    {
        if (Special(v) is { } special) return special;
        var (digits, point) = Decompose(Math.Abs(v).ToString("R", CultureInfo.InvariantCulture));
        var exponent = digits == "0" ? 0 : point - 1;
        var sb = new StringBuilder(v < 0 || (v == 0 && double.IsNegative(v)) ? "-" : "");
        sb.Append(digits[0]);
        if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
        return sb.Append('E').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)).ToString();
    }

    /// <summary>%.{decimals}f.</summary>
    public static string Fixed(double v, int decimals) =>
        Special(v) ?? v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string? Special(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : null;

    /// <summary>Significant digits without trailing zeros, and the decimal point's position relative to them.</summary>
    private static (string Digits, int Point) Decompose(string text)
    {
        var e = text.IndexOfAny(['E', 'e']);
        var mantissa = e < 0 ? text : text[..e];
        var exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.');
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var digits = mantissa.Replace(".", "", StringComparison.Ordinal);
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        return digits.Length == 0 ? ("0", 1) : (digits, point - leading);
    }
}
