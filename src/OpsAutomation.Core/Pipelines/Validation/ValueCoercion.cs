using System.Globalization;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// Turns source values (CSV text, JSON numbers) into the column's type, culture-invariantly:
/// "1,5" is never one and a half, whatever the machine's culture.
/// </summary>
public static class ValueCoercion
{
    /// <summary>The ISO 8601 shapes a datetime column accepts when it names no formats of its own.</summary>
    private static readonly string[] IsoDateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mmK",
        "yyyy-MM-dd",
    ];

    private static readonly string[] IsoDateFormats = ["yyyy-MM-dd"];

    private const NumberStyles IntegerStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;

    /// <summary>Coerces <paramref name="value"/>; an empty or blank text is a missing value (null) for every type but string.</summary>
    /// <param name="formats">Exact formats for datetime and date columns; empty for ISO 8601.</param>
    /// <returns>False when the value cannot have the type; <paramref name="result"/> is then the value unchanged.</returns>
    public static bool TryCoerce(object? value, ColumnType type, IReadOnlyList<string> formats, out object? result)
    {
        result = value;
        if (value is null) return true;
        if (type != ColumnType.String && value is string blank && string.IsNullOrWhiteSpace(blank))
        {
            result = null;
            return true;
        }

        object? coerced = type switch
        {
            ColumnType.String => ToText(value),
            ColumnType.Integer => ToInteger(value),
            ColumnType.Number => ToNumber(value),
            ColumnType.Decimal => ToDecimal(value),
            ColumnType.Boolean => ToBoolean(value),
            ColumnType.DateTime => ToDateTime(value, formats.Count > 0 ? formats : IsoDateTimeFormats),
            ColumnType.Date => ToDate(value, formats.Count > 0 ? formats : IsoDateFormats),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
        if (coerced is null) return false;
        result = coerced;
        return true;
    }

    /// <summary>What a value of the type is called in messages: "an integer".</summary>
    public static string Describe(ColumnType type) => type switch
    {
        ColumnType.String => "a string",
        ColumnType.Integer => "an integer",
        ColumnType.Number => "a number",
        ColumnType.Decimal => "a decimal number",
        ColumnType.Boolean => "a boolean (true/false/1/0/yes/no)",
        ColumnType.DateTime => "a date and time",
        ColumnType.Date => "a date",
        _ => type.ToString(),
    };

    /// <summary>The invariant text of a value, as messages, patterns and lengths see it.</summary>
    public static string? ToText(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.Offset == TimeSpan.Zero && t.TimeOfDay == TimeSpan.Zero
            ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : t.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    private static object? ToInteger(object value) => value switch
    {
        long => value,
        int i => Box(i),
        double d when double.IsFinite(d) && d == Math.Floor(d) && d >= long.MinValue && d < long.MaxValue => Box((long)d),
        decimal m when m == decimal.Truncate(m) && m >= long.MinValue && m <= long.MaxValue => Box((long)m),
        string s when long.TryParse(s, IntegerStyle, CultureInfo.InvariantCulture, out var parsed) => Box(parsed),
        _ => null,
    };

    // Small integers (quantities, counts, codes) share their boxes: a column of them boxed one per record.
    private static readonly object[] SmallIntegers = [.. Enumerable.Range(-128, 1152).Select(i => (object)(long)i)];

    private static object Box(long value) => value is >= -128 and < 1024 ? SmallIntegers[value + 128] : value;

    private static object? ToNumber(object value) => value switch
    {
        double d when double.IsFinite(d) => d,
        long l => (double)l,
        int i => (double)i,
        decimal m => (double)m,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed) => parsed,
        _ => null,
    };

    private static object? ToDecimal(object value)
    {
        switch (value)
        {
            case decimal:
                return value;
            case long l:
                return (decimal)l;
            case int i:
                return (decimal)i;
            case double d when double.IsFinite(d) && Math.Abs(d) < 7.9e28:
                return (decimal)d;
            case string s when decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            default:
                return null;
        }
    }

    private static object? ToBoolean(object value)
    {
        switch (value)
        {
            case bool:
                return value;
            case long l when l is 0 or 1:
                return l == 1;
            case string s:
                var text = s.Trim();
                if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase) || text == "1") return true;
                if (text.Equals("false", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase) || text == "0") return false;
                return null;
            default:
                return null;
        }
    }

    private static object? ToDateTime(object value, IReadOnlyList<string> formats) => value switch
    {
        DateTimeOffset => value,
        string s => ParseExact(s, formats),
        _ => null,
    };

    private static DateTimeOffset? ToDate(object value, IReadOnlyList<string> formats)
    {
        var instant = value switch
        {
            DateTimeOffset t => t,
            string s => ParseExact(s, formats),
            _ => null,
        };
        // A date has no time of day: 2024-03-01T10:00 is not a date.
        return instant is { } t2 && t2.TimeOfDay == TimeSpan.Zero ? new DateTimeOffset(t2.Date, TimeSpan.Zero) : null;
    }

    private static DateTimeOffset? ParseIsoDate(string text)
    {
        if (text[4] != '-' || text[7] != '-') return null;
        var (year, month, day) = (Digits(text, 0, 4), Digits(text, 5, 2), Digits(text, 8, 2));
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero)
            : null;
    }

    /// <returns>The number written by <paramref name="count"/> ASCII digits, or -1.</returns>
    private static int Digits(string text, int start, int count)
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(text[i])) return -1;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    }

    private static DateTimeOffset? ParseExact(string text, IReadOnlyList<string> formats)
    {
        var trimmed = text.Trim();
        // The commonest shape, yyyy-MM-dd, read directly: several times faster than TryParseExact.
        if (trimmed.Length == 10 && (ReferenceEquals(formats, IsoDateFormats) || ReferenceEquals(formats, IsoDateTimeFormats)))
            return ParseIsoDate(trimmed);
        foreach (var format in formats)
        {
            if (DateTimeOffset.TryParseExact(trimmed, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                return parsed;
        }
        return null;
    }
}
