namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>Prometheus's template functions humanize, humanize1024, humanizePercentage and humanizeDuration.</summary>
internal static class Humanize
{
    private static readonly string[] Large = ["k", "M", "G", "T", "P", "E", "Z", "Y"];
    private static readonly string[] Binary1024 = ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"];
    private static readonly string[] Small = ["m", "u", "n", "p", "f", "a", "z", "y"];

    public static string Decimal(double v)
    {
        if (v == 0 || !double.IsFinite(v)) return GoNumberFormat.General(v, 4);
        return Math.Abs(v) >= 1 ? Scale(v, 1000, Large) : ScaleDown(v, "");
    }

    public static string Binary(double v)
    {
        if (Math.Abs(v) <= 1 || !double.IsFinite(v)) return GoNumberFormat.General(v, 4);
        return Scale(v, 1024, Binary1024);
    }

    public static string Percentage(double v) => GoNumberFormat.General(v * 100, 4) + "%";

    public static string Duration(double v)
    {
        if (!double.IsFinite(v)) return GoNumberFormat.General(v, 4);
        if (v == 0) return GoNumberFormat.General(v, 4) + "s";
        if (Math.Abs(v) >= 1)
        {
            var sign = v < 0 ? "-" : "";
            v = Math.Abs(v);
            var total = (long)v;
            long seconds = total % 60, minutes = total / 60 % 60, hours = total / 3600 % 24, days = total / 86400;
            if (days != 0) return $"{sign}{days}d {hours}h {minutes}m {seconds}s";
            if (hours != 0) return $"{sign}{hours}h {minutes}m {seconds}s";
            if (minutes != 0) return $"{sign}{minutes}m {seconds}s";
            return $"{sign}{GoNumberFormat.General(v, 4)}s";
        }
        return ScaleDown(v, "s");
    }

    private static string Scale(double v, double step, string[] prefixes)
    {
        var prefix = "";
        foreach (var p in prefixes)
        {
            if (Math.Abs(v) < step) break;
            prefix = p;
            v /= step;
        }
        return GoNumberFormat.General(v, 4) + prefix;
    }

    private static string ScaleDown(double v, string unit)
    {
        var prefix = "";
        foreach (var p in Small)
        {
            if (Math.Abs(v) >= 1) break;
            prefix = p;
            v *= 1000;
        }
        return GoNumberFormat.General(v, 4) + prefix + unit;
    }
}
