using System.Collections;
using System.Globalization;
using System.Text.Json;
using OpsAutomation.Models;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Reporting;

/// <summary>How the human-readable renderers (Markdown and HTML) spell values, so both pages read the same.</summary>
internal static class ReportText
{
    /// <summary>Enough details to explain a failure without burying it.</summary>
    private const int MaxDetails = 12;

    /// <summary>A response header or body fragment can be long; a report line should not be.</summary>
    private const int MaxDetailLength = 200;

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Summary(HealthReport report) => string.Create(CultureInfo.InvariantCulture,
        $"{report.Total} services: {report.Healthy} healthy, {report.Degraded} degraded, {report.Unhealthy} unhealthy, {report.Unreachable} unreachable, {report.CircuitOpen} circuit open");

    public static string Runs(HealthReport report) => string.Join(", ", report.RunIds);

    public static string StatusCode(HealthCheckResult result) =>
        result.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary>Milliseconds, or nothing for a check that was not probed (circuit open) and so took no time.</summary>
    public static string ResponseTime(HealthCheckResult result) =>
        result.Attempts == 0 ? "" : Number(result.ResponseTime.TotalMilliseconds, "0");

    public static string Attempts(HealthCheckResult result) => result.Attempts == 0
        ? "0 (not probed)"
        : string.Create(CultureInfo.InvariantCulture, $"{result.Attempts} (first attempt {result.FirstAttemptStatus})");

    public static string Optional(double? value, string format) => value is { } v ? Number(v, format) : "";

    /// <summary>The trend table's columns after the name.</summary>
    public static readonly IReadOnlyList<string> TrendHeadings =
        ["Availability %", "Checks", "Failures", "p50 ms", "p95 ms", "p99 ms", "Longest outage", "SLO %", "Budget left %", "Burn rate"];

    /// <summary>One trend row's cells, in the order of <see cref="TrendHeadings"/>.</summary>
    public static IReadOnlyList<string> TrendCells(HealthSummary trend) =>
    [
        Number(trend.AvailabilityPercent, "0.###"), Number(trend.Checks, "0"), Number(trend.Failures, "0"),
        Number(trend.P50Ms, "0"), Number(trend.P95Ms, "0"), Number(trend.P99Ms, "0"), DurationText.Format(trend.LongestOutage),
        Optional(trend.SloTargetPercent, "0.###"), Optional(trend.ErrorBudgetRemainingPercent, "0.#"), Optional(trend.BurnRate, "0.##"),
    ];

    /// <summary>The trends heading's qualifier, such as "last 1d 0h, SLO 99.9%".</summary>
    public static string TrendScope(HealthReport report)
    {
        var scope = report.TrendWindow is { } window ? "last " + DurationText.Format(window) : "history";
        return report.SloTargetPercent is { } slo ? $"{scope}, SLO {Number(slo, "0.###")}%" : scope;
    }

    /// <summary>The details worth showing beside a failure: non-empty values, by key, each kept short.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> SelectedDetails(HealthCheckResult result) => result.Details
        .Select(d => KeyValuePair.Create(d.Key, Truncate(DetailText(d.Value))))
        .Where(d => d.Value.Length > 0)
        .OrderBy(d => d.Key, StringComparer.OrdinalIgnoreCase)
        .Take(MaxDetails)
        .ToList();

    private static string DetailText(object? value) => value switch
    {
        null => "",
        string text => text,
        DateTimeOffset time => Timestamp(time),
        DateTime time => Timestamp(new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero)),
        TimeSpan span => DurationText.Format(span),
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? "",
        JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => "",
        JsonElement element => element.GetRawText(),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(DetailText)),
        _ => value.ToString() ?? "",
    };

    private static string Truncate(string text) => text.Length <= MaxDetailLength ? text : string.Concat(text.AsSpan(0, MaxDetailLength - 1), "…");
}
