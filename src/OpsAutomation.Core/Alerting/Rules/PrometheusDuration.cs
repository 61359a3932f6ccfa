using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>Prometheus durations: units y w d h m s ms, largest first, each at most once, such as 1h30m or 0.</summary>
public static partial class PrometheusDuration
{
    private static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("y", TimeSpan.FromDays(365)), ("w", TimeSpan.FromDays(7)), ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)),
        ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)), ("ms", TimeSpan.FromMilliseconds(1)),
    ];

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0") return true;
        var match = Pattern().Match(text);
        if (text.Length == 0 || !match.Success) return false;
        foreach (var (unit, size) in Units)
        {
            var group = match.Groups[unit == "ms" ? "ms" : unit];
            if (!group.Success) continue;
            if (!long.TryParse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > TimeSpan.MaxValue.Ticks / size.Ticks) return false;
            duration += TimeSpan.FromTicks(count * size.Ticks);
        }
        return true;
    }

    [GeneratedRegex(@"^(?:(?<y>[0-9]+)y)?(?:(?<w>[0-9]+)w)?(?:(?<d>[0-9]+)d)?(?:(?<h>[0-9]+)h)?(?:(?<m>[0-9]+)m)?(?:(?<s>[0-9]+)s)?(?:(?<ms>[0-9]+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
