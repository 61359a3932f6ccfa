using OpsAutomation.Core.Health;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Reporting;

/// <summary>What a report shows of each service's history over its window: the summary row and the bucketed series the charts draw.</summary>
/// <param name="Summaries">One per service with history in the window.</param>
/// <param name="Series">One per service with history in the window, in the same order.</param>
public sealed record HealthReportTrendSet(IReadOnlyList<HealthSummary> Summaries, IReadOnlyList<HealthTrendSeries> Series);

/// <summary>Reads each reported service's history over a window and summarises it for the report's trends.</summary>
public static class HealthReportTrends
{
    /// <summary>Each service's summary and bucketed series; services without history in the window are left out, not shown as 0% available.</summary>
    /// <param name="to">The end of the window, usually the report's time.</param>
    public static async Task<HealthReportTrendSet> ReadAsync(
        HealthHistoryStore history,
        IEnumerable<string> names,
        DateTimeOffset to,
        TimeSpan window,
        double? sloTargetPercent,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(names);
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "A trend window is a positive span of time.");
        var services = new List<(string, IReadOnlyList<HealthCheckResult>)>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            // Every row of the window counts: a cap would skew availability and the percentiles.
            services.Add((name, await history.ReadAsync(name, to - window, int.MaxValue, cancellationToken).ConfigureAwait(false)));
        }
        return Summarize(services, to, window, sloTargetPercent);
    }

    /// <summary>
    /// The same from results already read, for a caller that needs them for more than the trends: each service's
    /// results in any order; those outside the window are left out, and so is a service with none in it.
    /// </summary>
    public static HealthReportTrendSet Summarize(
        IEnumerable<(string Name, IReadOnlyList<HealthCheckResult> Results)> services, DateTimeOffset to, TimeSpan window, double? sloTargetPercent)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "A trend window is a positive span of time.");
        var from = to - window;
        var summaries = new List<HealthSummary>();
        var series = new List<HealthTrendSeries>();
        foreach (var (name, results) in services)
        {
            var inWindow = results.Where(r => r.Timestamp >= from && r.Timestamp <= to).ToList();
            if (inWindow.Count == 0) continue;
            summaries.Add(HealthTrends.Summarize(name, inWindow, from, to, sloTargetPercent));
            series.Add(HealthTrendBuckets.Bucketize(name, inWindow, from, to, sloTargetPercent));
        }
        return new HealthReportTrendSet(summaries, series);
    }
}
