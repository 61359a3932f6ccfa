using OpsAutomation.Core.Health;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Reporting;

/// <summary>One result of every status, and a report of them, as the renderer tests share them.</summary>
internal static class ReportSamples
{
    public static readonly DateTimeOffset Now = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public const string ScriptError = "HTTP 500 <script>alert('x')</script> & more";

    public static HealthCheckResult Result(string name, HealthStatus status, string runId = "run-1") => new()
    {
        Name = name,
        Kind = HealthCheckKind.Http,
        Target = $"https://{name}.internal/healthz",
        Status = status,
        FirstAttemptStatus = status,
        StatusCode = status is HealthStatus.Healthy or HealthStatus.Degraded or HealthStatus.Unhealthy ? 200 : null,
        ResponseTime = TimeSpan.FromMilliseconds(42.4),
        ErrorKind = status == HealthStatus.Healthy ? HealthErrorKind.None : HealthErrorKind.Network,
        Error = status == HealthStatus.Healthy ? null : $"{name} is {status}",
        RunId = runId,
        Timestamp = Now.AddSeconds(-5),
        Owner = "team-ops",
    };

    /// <summary>Given out of order, so that sorting is visible.</summary>
    public static IReadOnlyList<HealthCheckResult> Results() =>
    [
        Result("web", HealthStatus.Healthy),
        Result("api", HealthStatus.Unhealthy) with
        {
            StatusCode = 500,
            ErrorKind = HealthErrorKind.HttpStatus,
            Error = ScriptError,
            Attempts = 3,
            FirstAttemptStatus = HealthStatus.Unreachable,
            Severity = HealthSeverity.Critical,
            Details = new Dictionary<string, object?> { ["ContentType"] = "text/html", ["ContentLength"] = 1234, ["Empty"] = null },
        },
        Result("cache", HealthStatus.Degraded) with { ErrorKind = HealthErrorKind.SlowResponse, Error = "slower than 500 ms" },
        Result("db", HealthStatus.Unreachable) with { ErrorKind = HealthErrorKind.ConnectionRefused, Error = "Connection refused", Kind = HealthCheckKind.Tcp, Target = "db.internal:5432" },
        Result("queue", HealthStatus.CircuitOpen) with
        {
            Attempts = 0,
            ResponseTime = TimeSpan.Zero,
            ErrorKind = HealthErrorKind.CircuitOpen,
            Error = "not probed: the circuit is open",
            NextProbeAt = Now.AddMinutes(5),
        },
        Result("auth", HealthStatus.Healthy, runId: "run-2"),
    ];

    public static HealthSummary Trend(string name, double availability) => new()
    {
        Name = name,
        From = Now.AddHours(-24),
        To = Now,
        Checks = 1440,
        Failures = (int)Math.Round(1440 * (100 - availability) / 100),
        AvailabilityPercent = availability,
        P50Ms = 12,
        P95Ms = 80,
        P99Ms = 250,
        LongestOutage = TimeSpan.FromMinutes(7) + TimeSpan.FromSeconds(30),
        LastStatus = HealthStatus.Healthy,
        LastChecked = Now,
        SloTargetPercent = 99.9,
        ErrorBudgetRemainingPercent = -25,
        BurnRate = 1.25,
    };

    /// <summary>
    /// A day of checks every 10 minutes, response times rising through the day; every
    /// <paramref name="failEvery"/>th check Unreachable (0 for none), so the budget burns.
    /// </summary>
    public static HealthTrendSeries History(string name, int failEvery) => HealthTrendBuckets.Bucketize(
        name,
        Enumerable.Range(0, 144).Select(i => Result(name, failEvery > 0 && i % failEvery == 0 ? HealthStatus.Unreachable : HealthStatus.Healthy) with
        {
            Timestamp = Now.AddDays(-1).AddMinutes(10 * i + 1),
            ResponseTime = TimeSpan.FromMilliseconds(20 + i),
        }),
        Now.AddDays(-1),
        Now,
        99.9);

    public static HealthReport Report(bool withTrends = true) => HealthReportBuilder.Build(
        "Prod health",
        Now,
        Results(),
        withTrends ? new HealthReportTrendSet([Trend("web", 100), Trend("api", 99.875)], [History("web", 0), History("api", 3)]) : null,
        withTrends ? TimeSpan.FromHours(24) : null,
        withTrends ? 99.9 : null);

    /// <summary>The names of the sample results, worst first then by name.</summary>
    public static readonly string[] WorstFirst = ["queue", "db", "api", "cache", "auth", "web"];
}
