using System.Globalization;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Metrics.Machine;
using OpsAutomation.Core.State;
using OpsAutomation.Models;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>The service's recent health results from the state store's history, newest first.</summary>
public sealed class HealthHistorySource(HealthHistoryStore history, string service, int limit) : IDiagnosticSource
{
    public string Name => "health-history";

    public string FileName => "health-history.json";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        var results = await history.ReadAsync(service, null, limit, cancellationToken).ConfigureAwait(false);
        if (results.Count == 0) throw new DiagnosticSkippedException($"the health history holds no results of '{service}'");
        var failing = results.Where(r => r.Status is not (HealthStatus.Healthy or HealthStatus.Degraded)).ToList();
        var findings = new List<DiagnosticFinding>();
        if (failing.Count > 0)
        {
            var last = failing[0];
            findings.Add(new DiagnosticFinding(DiagnosticSection.FailingChecks, string.Create(CultureInfo.InvariantCulture,
                $"{failing.Count} of the last {results.Count} checks of {service} failed; the last at {Time(last.Timestamp)}: {last.Status}{(last.Error is null ? "" : ": " + last.Error)}")));
        }
        return new DiagnosticContent(DiagnosticJson.Serialize(results)) { Findings = findings };
    }

    internal static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>A health check of the service run now, through the health engine (its catalog entry, secrets and circuit).</summary>
public sealed class HealthCheckSource(Func<CancellationToken, Task<IReadOnlyList<HealthCheckResult>>> check) : IDiagnosticSource
{
    public string Name => "health-check";

    public string FileName => "health-check.json";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        var results = await check(cancellationToken).ConfigureAwait(false);
        var findings = results.Where(r => r.Status != HealthStatus.Healthy).Select(r => new DiagnosticFinding(DiagnosticSection.FailingChecks,
            $"a check now: {r.Name} is {r.Status}{(r.Error is null ? "" : ": " + r.Error)}")).ToList();
        return new DiagnosticContent(DiagnosticJson.Serialize(results)) { Findings = findings };
    }
}

/// <summary>The machine's CPU, memory, disk and network over one sample interval (Get-SystemMetrics' engine).</summary>
public sealed class SystemMetricsDiagnosticSource(Func<ISystemMetricsSource> source, TimeProvider time, TimeSpan? interval = null) : IDiagnosticSource
{
    public string Name => "system-metrics";

    public string FileName => "system-metrics.json";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        ISystemMetricsSource reader;
        try
        {
            reader = source();
        }
        catch (PlatformNotSupportedException ex)
        {
            throw new DiagnosticSkippedException(ex.Message);
        }
        var sampler = new SystemMetricsSampler(reader, new SystemMetricsOptions { SampleInterval = interval ?? TimeSpan.FromSeconds(1) }, time);
        await foreach (var sample in sampler.SampleAsync(1, cancellationToken).ConfigureAwait(false))
            return new DiagnosticContent(DiagnosticJson.Serialize(sample));
        throw new InvalidOperationException("the system metrics sampler gave no sample");
    }
}

/// <summary>
/// The catalog's Prometheus queries of the service (its <c>Queries</c> key: name to PromQL), each
/// evaluated now through the module's query client; a query Prometheus refuses is kept with its
/// error, and the source fails only when Prometheus cannot be reached.
/// </summary>
public sealed class PrometheusQueriesSource(IRuleQueryEngine? engine, IReadOnlyDictionary<string, string> queries, TimeProvider time) : IDiagnosticSource
{
    private const int SeriesShown = 5;

    public string Name => "prometheus-queries";

    public string FileName => "prometheus-queries.json";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        if (queries.Count == 0) throw new DiagnosticSkippedException("the service's catalog entry has no Queries");
        if (engine is null) throw new DiagnosticSkippedException("no Prometheus server was given (-PrometheusUri)");
        var now = time.GetUtcNow();
        var names = queries.Keys.Order(StringComparer.OrdinalIgnoreCase).ToList();
        var answers = await Task.WhenAll(names.Select(n => engine.QueryAsync(queries[n], now, cancellationToken))).ConfigureAwait(false);
        if (answers.All(a => a.Unreachable)) throw new InvalidOperationException(answers[0].Error ?? "Prometheus cannot be reached");
        var findings = new List<DiagnosticFinding>();
        var document = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var (name, answer) = (names[i], answers[i]);
            document[name] = new
            {
                query = queries[name],
                at = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                error = answer.Error,
                samples = answer.Samples.Select(s => new { labels = s.Labels, value = Number(s.Value) }),
            };
            findings.Add(new DiagnosticFinding(DiagnosticSection.Queries, answer.Error is { } error
                ? $"{name}: {error}"
                : answer.Samples.Count == 0 ? $"{name}: no data"
                : $"{name}: " + string.Join("; ", answer.Samples.Take(SeriesShown).Select(Describe)) + (answer.Samples.Count > SeriesShown ? $" (and {answer.Samples.Count - SeriesShown} more series)" : "")));
        }
        return new DiagnosticContent(DiagnosticJson.Serialize(document)) { Findings = findings };
    }

    private static string Describe(QuerySample sample)
    {
        var labels = sample.Labels.Where(l => l.Key != "__name__").Select(l => $"{l.Key}=\"{l.Value}\"").ToList();
        return (labels.Count == 0 ? "" : "{" + string.Join(",", labels) + "} ") + Number(sample.Value);
    }

    private static string Number(double value) => double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>The recent runs of the module's own deployments of the workload (Invoke-Deployment, Undo-Deployment), newest first.</summary>
public sealed class DeploymentRecordsSource(DeploymentRecordStore records, string name, string? ns, int limit) : IDiagnosticSource
{
    public string Name => "deployment-records";

    public string FileName => "deployment-records.json";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        var list = new List<Models.Deployment.DeploymentRecord>();
        await foreach (var record in records.ListAsync(name, ns, null, limit, cancellationToken).ConfigureAwait(false)) list.Add(record);
        if (list.Count == 0) throw new DiagnosticSkippedException($"the state store has no deployment records of '{(ns is null ? name : $"{ns}/{name}")}'");
        var findings = list.Select(r => new DiagnosticFinding(DiagnosticSection.RecentDeployments, string.Create(CultureInfo.InvariantCulture,
            $"{HealthHistorySource.Time(r.StartedAt)} {r.Strategy} of {r.Namespace}/{r.Name}{(r.Image is null ? "" : " image " + r.Image)} by {r.User}: {r.Outcome}"
            + $"{(r.RevisionAfter is { } after ? $" (revision {r.RevisionBefore?.ToString(CultureInfo.InvariantCulture) ?? "none"} to {after})" : "")}"
            + $"{(r.EndedAt is { } ended ? $", took {DurationText.Format(ended - r.StartedAt)}" : "")}{(r.Reason is null ? "" : ": " + r.Reason)}"))).ToList();
        return new DiagnosticContent(DiagnosticJson.Serialize(list)) { Findings = findings };
    }
}
