using System.Globalization;
using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// How a pod's sample application behaves, read from its first container's env (docs/sandbox.md):
/// SLOW_START_SECONDS, READINESS_FAIL, HANG_AFTER_SECONDS, CRASH_AFTER_SECONDS with EXIT_CODE, OOM, ERROR_RATE, LATENCY_MS.
/// No variable set is the healthy application.
/// </summary>
public sealed record SampleAppSettings(
    TimeSpan SlowStart,
    bool ReadinessFails,
    TimeSpan? CrashAfter,
    int ExitCode,
    bool OutOfMemory,
    double ErrorRate,
    TimeSpan Latency,
    TimeSpan? HangAfter = null)
{
    public static readonly SampleAppSettings Healthy = new(TimeSpan.Zero, false, null, 1, false, 0, TimeSpan.Zero);

    /// <summary>The settings of <paramref name="container"/>'s env; a value that does not parse is named in <paramref name="problems"/> and left at its default.</summary>
    public static SampleAppSettings FromContainer(JsonObject? container, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var env = (container?["env"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(e => e["name"] is not null && e["value"] is not null)
            .GroupBy(e => e["name"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Last()["value"]!.GetValue<string>(), StringComparer.Ordinal);
        double Number(string name, double fallback, double min, double max)
        {
            if (!env.TryGetValue(name, out var text))
            {
                return fallback;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }
            problems.Add($"ignoring {name}='{text}': expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return fallback;
        }
        bool Flag(string name) => env.TryGetValue(name, out var text) && text.Trim().ToUpperInvariant() is "TRUE" or "1" or "YES";
        var oom = Flag("OOM");
        var crash = Number("CRASH_AFTER_SECONDS", -1, 0, 86_400);
        var hang = Number("HANG_AFTER_SECONDS", -1, 0, 86_400);
        return new SampleAppSettings(
            SlowStart: TimeSpan.FromSeconds(Number("SLOW_START_SECONDS", 0, 0, 86_400)),
            ReadinessFails: Flag("READINESS_FAIL"),
            CrashAfter: crash >= 0 ? TimeSpan.FromSeconds(crash) : oom ? TimeSpan.Zero : null,
            ExitCode: oom ? 137 : (int)Number("EXIT_CODE", 1, 1, 255),
            OutOfMemory: oom,
            ErrorRate: Number("ERROR_RATE", 0, 0, 1),
            Latency: TimeSpan.FromMilliseconds(Number("LATENCY_MS", 0, 0, 60_000)),
            HangAfter: hang >= 0 ? TimeSpan.FromSeconds(hang) : null);
    }
}
