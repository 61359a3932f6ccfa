using System.Globalization;
using System.Text;

namespace OpsAutomation.Core.Alerting.Rules.UnitTesting;

/// <summary>Label sets, strings and durations written as promtool writes them in its test failures, so ours read the same.</summary>
internal static class PromtoolText
{
    /// <summary>labels.Labels.String(): {a="1", b="2"}, names in byte order.</summary>
    public static string LabelSet(IEnumerable<KeyValuePair<string, string>> labels) =>
        "{" + string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + Quote(l.Value))) + "}";

    /// <summary>Go's strconv.Quote.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f) sb.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                    else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
                        sb.Append(rune.Value > 0xffff ? "\\U" + rune.Value.ToString("x8", CultureInfo.InvariantCulture) : "\\u" + rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(rune.ToString());
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Prometheus's model.Duration.String(): 90s as 1m30s, a week as 1w, zero as 0s.</summary>
    public static string Duration(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0) return "0s";
        var sb = new StringBuilder();
        void Unit(string unit, long size, bool exact)
        {
            if (exact && ms % size != 0) return;
            var count = ms / size;
            if (count <= 0) return;
            sb.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
            ms -= count * size;
        }
        Unit("y", 365L * 24 * 3600 * 1000, true);
        Unit("w", 7L * 24 * 3600 * 1000, true);
        Unit("d", 24L * 3600 * 1000, false);
        Unit("h", 3600L * 1000, false);
        Unit("m", 60L * 1000, false);
        Unit("s", 1000, false);
        Unit("ms", 1, false);
        return sb.ToString();
    }

    /// <summary>Go's time.Duration.String() at millisecond precision: 3m0s, 1h0m0s, 1.5s, 250ms.</summary>
    public static string GoDuration(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0) return "0s";
        var sign = ms < 0 ? "-" : "";
        ms = Math.Abs(ms);
        if (ms < 1000) return $"{sign}{ms}ms";
        var hours = ms / 3_600_000;
        var minutes = ms / 60_000 % 60;
        var seconds = (ms % 60_000 / 1000m).ToString("0.###", CultureInfo.InvariantCulture);
        return hours > 0 ? $"{sign}{hours}h{minutes}m{seconds}s" : minutes > 0 ? $"{sign}{minutes}m{seconds}s" : $"{sign}{seconds}s";
    }
}
