using OpsAutomation.Core.Health;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Reporting;

/// <summary>Builds a <see cref="HealthReport"/>: counts, the overall verdict, and the results worst first.</summary>
public static class HealthReportBuilder
{
    /// <param name="title">The report's heading.</param>
    /// <param name="generatedAt">When the report is built.</param>
    /// <param name="results">At least one result, in any order.</param>
    /// <param name="trends">Summaries and bucketed series over <paramref name="trendWindow"/>, or none.</param>
    /// <param name="trendWindow">The span the trends cover, or null when no trends were asked for.</param>
    /// <param name="sloTargetPercent">The availability objective the trends are measured against, or null.</param>
    public static HealthReport Build(
        string title,
        DateTimeOffset generatedAt,
        IEnumerable<HealthCheckResult> results,
        HealthReportTrendSet? trends = null,
        TimeSpan? trendWindow = null,
        double? sloTargetPercent = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(results);
        // HealthStatus ranks from best to worst, so the highest value is the worst status.
        var sorted = results
            .OrderByDescending(r => r.Status)
            .ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(r => r.Target, StringComparer.Ordinal)
            .ToList();
        if (sorted.Count == 0) throw new ArgumentException("A health report needs at least one result.", nameof(results));

        int Count(HealthStatus status) => sorted.Count(r => r.Status == status);
        var summaries = (trends?.Summaries ?? []).OrderBy(t => t.AvailabilityPercent).ThenBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToList();
        return new HealthReport
        {
            Title = title,
            GeneratedAt = generatedAt,
            RunIds = sorted.OrderBy(r => r.Timestamp).Select(r => r.RunId).Distinct(StringComparer.Ordinal).ToList(),
            OverallStatus = HealthTrends.Overall(sorted.Select(r => r.Status)),
            Total = sorted.Count,
            Healthy = Count(HealthStatus.Healthy),
            Degraded = Count(HealthStatus.Degraded),
            Unhealthy = Count(HealthStatus.Unhealthy),
            Unreachable = Count(HealthStatus.Unreachable),
            CircuitOpen = Count(HealthStatus.CircuitOpen),
            Results = sorted,
            Trends = summaries,
            // The charts list services in the order of the trends table.
            TrendSeries = summaries.Join(trends?.Series ?? [], s => s.Name, s => s.Name, (_, series) => series, StringComparer.Ordinal).ToList(),
            TrendWindow = trendWindow,
            SloTargetPercent = sloTargetPercent,
        };
    }
}
