using System.Globalization;

namespace OpsAutomation.Models;

/// <summary>
/// A span of time as a person reads it in a table or a report: "420ms", "3.2s", "7m 30s",
/// "2h 05m", "1d 4h". Sub-second spans keep their milliseconds (a TimeSpan's hh:mm:ss shows
/// 00:00:00 for a run that took 0.4 s). The format views call it, so it is public.
/// </summary>
public static class DurationText
{
    /// <summary>The span in the largest two units that matter; a negative span with a leading minus.</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero) return "-" + Format(span.Duration());
        if (span == TimeSpan.Zero) return "0s";
        if (span < TimeSpan.FromSeconds(1)) return string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0.#}ms");
        if (span < TimeSpan.FromMinutes(1)) return string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#}s");
        if (span < TimeSpan.FromHours(1)) return string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m {span.Seconds:00}s");
        if (span < TimeSpan.FromDays(1)) return string.Create(CultureInfo.InvariantCulture, $"{span.Hours}h {span.Minutes:00}m");
        return string.Create(CultureInfo.InvariantCulture, $"{span.Days}d {span.Hours}h");
    }
}
