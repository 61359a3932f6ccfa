using System.Globalization;
using System.Text;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Incidents;

/// <summary>
/// Turns what the other cmdlets emit into <see cref="IncidentSignal"/>s. Fingerprints are stable
/// across runs and hosts; names are lower-cased, labels sorted:
/// <list type="table">
/// <item><term>HealthCheckResult, HealthAlert</term><description><c>health:&lt;name&gt;</c> (one per service: a result and an alert about it join one incident)</description></item>
/// <item><term>RuleAlert</term><description><c>rule:&lt;alertname&gt;{k="v",...}</c>, the labels but alertname, sorted by name</description></item>
/// <item><term>DeploymentResult</term><description><c>deployment:&lt;namespace&gt;/&lt;name&gt;</c></description></item>
/// <item><term>PipelineRun</term><description><c>pipeline:&lt;name&gt;</c></description></item>
/// <item><term>MetricAnomaly</term><description><c>anomaly:&lt;series&gt;</c></description></item>
/// <item><term>by hand</term><description><c>manual:&lt;service&gt;/&lt;title&gt;</c></description></item>
/// </list>
/// Firing: a health result Degraded, Unhealthy, Unreachable or CircuitOpen (Healthy is clear); a
/// health alert Firing (Resolved or Inactive is clear); a rule alert Firing (Inactive is clear,
/// Pending is no signal yet); a deployment Failed or RolledBack (Succeeded is clear, InProgress no
/// signal); a pipeline run Failed (Succeeded or CompletedWithRejections is clear; Running and
/// Cancelled no signal); every anomaly.
/// </summary>
public static class SignalReader
{
    /// <summary>The signal <paramref name="input"/> carries; null when it carries none (a pending alert, a running deployment).</summary>
    /// <exception cref="ArgumentException">The input is of a type that is no signal; the message names the type.</exception>
    public static IncidentSignal? Read(object input) => input switch
    {
        IncidentSignal signal => signal,
        HealthCheckResult result => FromHealth(result),
        HealthAlert alert => FromHealthAlert(alert),
        RuleAlert alert => FromRuleAlert(alert),
        DeploymentResult deployment => FromDeployment(deployment),
        PipelineRun run => FromPipeline(run),
        MetricAnomaly anomaly => FromAnomaly(anomaly),
        _ => throw new ArgumentException(
            $"A '{input?.GetType().FullName ?? "null"}' is no incident signal; give a HealthCheckResult, HealthAlert, RuleAlert, DeploymentResult, PipelineRun or MetricAnomaly.",
            nameof(input)),
    };

    /// <summary>A signal opened by hand (New-Incident -Title): always firing.</summary>
    public static IncidentSignal Manual(string title, string service, HealthSeverity severity, DateTimeOffset now, string? runId = null) => new()
    {
        Kind = IncidentSignalKind.Manual,
        Fingerprint = $"manual:{Lower(service)}/{Lower(title.Trim())}",
        Service = service,
        Firing = true,
        Severity = severity,
        Summary = title.Trim(),
        RunId = runId,
        Timestamp = now,
    };

    public static IncidentSignal FromHealth(HealthCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var firing = result.Status != HealthStatus.Healthy;
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Status"] = result.Status.ToString(),
            ["Kind"] = result.Kind.ToString(),
            ["Target"] = result.Target,
        };
        if (result.StatusCode is { } code) details["StatusCode"] = code.ToString(CultureInfo.InvariantCulture);
        if (result.ErrorKind != HealthErrorKind.None) details["ErrorKind"] = result.ErrorKind.ToString();
        if (result.Error is { Length: > 0 } error) details["Error"] = error;
        return new IncidentSignal
        {
            Kind = IncidentSignalKind.Health,
            Fingerprint = "health:" + Lower(result.Name),
            Service = result.Name,
            Firing = firing,
            // Degraded works, slowly: at most a warning whatever the catalog says.
            Severity = result.Status == HealthStatus.Degraded && result.Severity > HealthSeverity.Warning ? HealthSeverity.Warning : result.Severity,
            Summary = firing
                ? $"{result.Name} is {result.Status}" + (result.Error is { Length: > 0 } e ? $": {e}" : result.StatusCode is { } c ? $": HTTP {c}" : "")
                : $"{result.Name} is Healthy",
            RunId = result.RunId,
            Details = details,
            Timestamp = result.Timestamp,
        };
    }

    public static IncidentSignal FromHealthAlert(HealthAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var firing = alert.State == AlertState.Firing;
        return new IncidentSignal
        {
            Kind = IncidentSignalKind.HealthAlert,
            Fingerprint = "health:" + Lower(alert.Name),
            Service = alert.Name,
            Firing = firing,
            Severity = alert.Severity,
            Summary = firing
                ? $"alert for {alert.Name} firing" + (alert.Reason is { Length: > 0 } r ? $": {r}" : "")
                : $"alert for {alert.Name} {alert.State.ToString().ToLowerInvariant()}",
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["State"] = alert.State.ToString(),
                ["Status"] = alert.Status.ToString(),
                ["DedupKey"] = alert.DedupKey,
                ["ConsecutiveCount"] = alert.ConsecutiveCount.ToString(CultureInfo.InvariantCulture),
            },
            Timestamp = alert.Timestamp,
        };
    }

    /// <summary>A rule alert's signal; a Pending one is none yet.</summary>
    public static IncidentSignal? FromRuleAlert(RuleAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.State == RuleAlertState.Pending) return null;
        var firing = alert.State == RuleAlertState.Firing;
        var service = Label(alert.Labels, "service") ?? Label(alert.Labels, "job") ?? Label(alert.Labels, "app") ?? alert.AlertName;
        var summary = Label(alert.Annotations, "summary") ?? Label(alert.Annotations, "description") ?? alert.AlertName;
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["State"] = alert.State.ToString(),
            ["Value"] = alert.Value.ToString("G", CultureInfo.InvariantCulture),
            ["Rule"] = $"{alert.File}: {alert.Group}/{alert.AlertName}",
        };
        foreach (var (name, value) in alert.Labels) details["label." + name] = value;
        return new IncidentSignal
        {
            Kind = IncidentSignalKind.RuleAlert,
            Fingerprint = RuleFingerprint(alert.AlertName, alert.Labels),
            Service = service,
            Firing = firing,
            Severity = ParseSeverity(Label(alert.Labels, "severity")) ?? HealthSeverity.Warning,
            Summary = firing ? $"{alert.AlertName} firing: {summary}" : $"{alert.AlertName} resolved",
            Details = details,
            Timestamp = alert.Timestamp,
        };
    }

    /// <summary>A deployment's signal; one in progress is none yet.</summary>
    public static IncidentSignal? FromDeployment(DeploymentResult deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (deployment.Outcome == DeploymentOutcome.InProgress) return null;
        var firing = deployment.Outcome is DeploymentOutcome.Failed or DeploymentOutcome.RolledBack;
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Outcome"] = deployment.Outcome.ToString(),
            ["Namespace"] = deployment.Namespace,
            ["Strategy"] = deployment.Strategy.ToString(),
            ["DeploymentId"] = deployment.Id,
        };
        if (deployment.Image is { } image) details["Image"] = image;
        if (deployment.RevisionBefore is { } before) details["RevisionBefore"] = before.ToString(CultureInfo.InvariantCulture);
        if (deployment.RevisionAfter is { } after) details["RevisionAfter"] = after.ToString(CultureInfo.InvariantCulture);
        return new IncidentSignal
        {
            Kind = IncidentSignalKind.Deployment,
            Fingerprint = $"deployment:{Lower(deployment.Namespace)}/{Lower(deployment.Name)}",
            Service = deployment.Name,
            Firing = firing,
            Severity = firing ? HealthSeverity.Error : HealthSeverity.Info,
            Summary = $"deployment {deployment.Namespace}/{deployment.Name} {deployment.Outcome}" + (deployment.Reason is { Length: > 0 } r ? $": {r}" : ""),
            RunId = deployment.Id,
            Details = details,
            Timestamp = deployment.StartTime + deployment.Duration,
        };
    }

    /// <summary>A pipeline run's signal; a running or cancelled run is none.</summary>
    public static IncidentSignal? FromPipeline(PipelineRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status is PipelineRunStatus.Running or PipelineRunStatus.Cancelled) return null;
        var firing = run.Status == PipelineRunStatus.Failed;
        return new IncidentSignal
        {
            Kind = IncidentSignalKind.Pipeline,
            Fingerprint = "pipeline:" + Lower(run.Pipeline),
            Service = run.Pipeline,
            Firing = firing,
            Severity = firing ? HealthSeverity.Error : HealthSeverity.Info,
            Summary = $"pipeline {run.Pipeline} {run.Status}" + (firing && run.Error is { Length: > 0 } e ? $": {e}" : ""),
            RunId = run.RunId,
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Status"] = run.Status.ToString(),
                ["RecordsIn"] = run.RecordsIn.ToString(CultureInfo.InvariantCulture),
                ["Rejected"] = run.Rejected.ToString(CultureInfo.InvariantCulture),
                ["DeadLettered"] = run.DeadLettered.ToString(CultureInfo.InvariantCulture),
            },
            Timestamp = run.EndedAt ?? run.StartedAt,
        };
    }

    public static IncidentSignal FromAnomaly(MetricAnomaly anomaly)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        return new IncidentSignal
        {
            Kind = IncidentSignalKind.Anomaly,
            Fingerprint = "anomaly:" + anomaly.Series,
            Service = anomaly.Service ?? anomaly.Metric,
            Firing = true,
            Severity = HealthSeverity.Warning,
            Summary = $"{anomaly.Series} {anomaly.Direction.ToString().ToLowerInvariant()} its baseline: {anomaly.Value:G6} vs {anomaly.Baseline:G6} ({anomaly.Detector}, score {anomaly.Score:F1})",
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Detector"] = anomaly.Detector.ToString(),
                ["Value"] = anomaly.Value.ToString("G", CultureInfo.InvariantCulture),
                ["Baseline"] = anomaly.Baseline.ToString("G", CultureInfo.InvariantCulture),
                ["Score"] = anomaly.Score.ToString("G", CultureInfo.InvariantCulture),
                ["Start"] = anomaly.Start.ToString("O", CultureInfo.InvariantCulture),
                ["End"] = anomaly.End.ToString("O", CultureInfo.InvariantCulture),
                ["Window"] = anomaly.Window.ToString("c", CultureInfo.InvariantCulture),
            },
            Timestamp = anomaly.End,
        };
    }

    /// <summary>
    /// The signal of an object known only by its properties (deserialized output of another session,
    /// a job, Import-Clixml, a PSCustomObject): its shape is told by which properties it has, and
    /// enum values may be names or numbers. <paramref name="origin"/> names the input in errors.
    /// </summary>
    /// <exception cref="ArgumentException">No known shape, or a value that does not fit; the message names the property and the origin.</exception>
    public static IncidentSignal? FromProperties(IReadOnlyDictionary<string, object?> properties, string origin)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var p = new PropertyBag(properties, origin);
        var now = DateTimeOffset.UtcNow;
        if (p.Has("Fingerprint") && p.Has("Firing") && p.Has("Service"))
        {
            return new IncidentSignal
            {
                Kind = p.Enum("Kind", IncidentSignalKind.Manual), Fingerprint = p.Required("Fingerprint"), Service = p.Required("Service"),
                Firing = p.Bool("Firing"), Severity = p.Enum("Severity", HealthSeverity.Warning), Summary = p.String("Summary") ?? p.Required("Fingerprint"),
                RunId = p.String("RunId"), Timestamp = p.Time("Timestamp") ?? now,
            };
        }
        if (p.Has("AlertName") && p.Has("State"))
        {
            return FromRuleAlert(new RuleAlert
            {
                AlertName = p.Required("AlertName"), Group = p.String("Group") ?? "", File = p.String("File") ?? "", Expression = p.String("Expression") ?? "",
                State = p.Enum("State", RuleAlertState.Inactive), Labels = p.Map("Labels"), Annotations = p.Map("Annotations"),
                Value = p.Double("Value") ?? 0, Timestamp = p.Time("Timestamp") ?? now,
            });
        }
        if (p.Has("DedupKey") && p.Has("State") && p.Has("Name"))
        {
            return FromHealthAlert(new HealthAlert
            {
                Name = p.Required("Name"), State = p.Enum("State", AlertState.Inactive), DedupKey = p.Required("DedupKey"), Severity = p.Enum("Severity", HealthSeverity.Warning),
                Status = p.Enum("Status", HealthStatus.Healthy), Reason = p.String("Reason"), Timestamp = p.Time("Timestamp") ?? now,
            });
        }
        if (p.Has("Outcome") && p.Has("Namespace") && p.Has("Name"))
        {
            var start = p.Time("StartTime") ?? p.Time("Timestamp") ?? now;
            return FromDeployment(new DeploymentResult
            {
                Id = p.String("Id") ?? "", Name = p.Required("Name"), Namespace = p.Required("Namespace"), Strategy = p.Enum("Strategy", DeploymentStrategyKind.RollingUpdate),
                Outcome = p.Enum("Outcome", DeploymentOutcome.InProgress), Reason = p.String("Reason") ?? "", Image = p.String("Image"),
                StartTime = start, Duration = p.Duration("Duration") ?? TimeSpan.Zero,
            });
        }
        if (p.Has("Pipeline") && p.Has("Status") && p.Has("RunId"))
        {
            return FromPipeline(new PipelineRun
            {
                RunId = p.Required("RunId"), Pipeline = p.Required("Pipeline"), Status = p.Enum("Status", PipelineRunStatus.Running),
                StartedAt = p.Time("StartedAt") ?? now, EndedAt = p.Time("EndedAt"), Error = p.String("Error"),
            });
        }
        if (p.Has("Series") && p.Has("Detector") && p.Has("Baseline"))
        {
            return FromAnomaly(new MetricAnomaly
            {
                Series = p.Required("Series"), Metric = p.String("Metric") ?? p.Required("Series"), Service = p.String("Service"), Detector = p.Enum("Detector", AnomalyDetector.RobustZScore),
                Direction = p.Enum("Direction", AnomalyDirection.Above), Start = p.Time("Start") ?? now, End = p.Time("End") ?? now,
                Value = p.Double("Value") ?? 0, Baseline = p.Double("Baseline") ?? 0, Score = p.Double("Score") ?? 0,
                Window = p.Duration("Window") ?? TimeSpan.Zero, Timestamp = p.Time("Timestamp") ?? now,
            });
        }
        if (p.Has("Name") && p.Has("Status") && p.Has("Target"))
        {
            return FromHealth(new HealthCheckResult
            {
                Name = p.Required("Name"), Kind = p.Enum("Kind", HealthCheckKind.Http), Target = p.Required("Target"), Status = p.Enum("Status", HealthStatus.Healthy),
                StatusCode = (int?)p.Double("StatusCode"), ErrorKind = p.Enum("ErrorKind", HealthErrorKind.None), Error = p.String("Error"),
                RunId = p.String("RunId") ?? "", Severity = p.Enum("Severity", HealthSeverity.Warning), Timestamp = p.Time("Timestamp") ?? now,
            });
        }
        throw new ArgumentException(
            $"The input from {origin} is no incident signal: it has the properties {string.Join(", ", properties.Keys.Take(12))}, none of the shapes of HealthCheckResult, HealthAlert, RuleAlert, DeploymentResult, PipelineRun or MetricAnomaly.");
    }

    /// <summary><c>rule:&lt;alertname&gt;{k="v",...}</c> with the labels but alertname sorted by name, values escaped as Prometheus does.</summary>
    public static string RuleFingerprint(string alertName, IReadOnlyDictionary<string, string> labels)
    {
        var builder = new StringBuilder("rule:").Append(alertName).Append('{');
        var first = true;
        foreach (var (name, value) in labels.Where(l => l.Key != "alertname").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            if (!first) builder.Append(',');
            first = false;
            builder.Append(name).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
        }
        return builder.Append('}').ToString();
    }

    /// <summary>A severity as alerting labels write it (critical, error, warning, info; page and high are critical, low is info); null when unknown.</summary>
    public static HealthSeverity? ParseSeverity(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "critical" or "page" or "high" or "fatal" => HealthSeverity.Critical,
        "error" or "major" => HealthSeverity.Error,
        "warning" or "warn" or "minor" or "medium" => HealthSeverity.Warning,
        "info" or "low" or "none" => HealthSeverity.Info,
        _ => null,
    };

    private static string? Label(IReadOnlyDictionary<string, string> labels, string name) =>
        labels.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    private static string Lower(string text) => text.ToLowerInvariant();

    /// <summary>Typed reads of an object's properties by name (case-insensitive), each error naming the property and the origin.</summary>
    private sealed class PropertyBag(IReadOnlyDictionary<string, object?> properties, string origin)
    {
        private readonly Dictionary<string, object?> _values = properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

        public bool Has(string name) => _values.TryGetValue(name, out var value) && value is not null;

        public string? String(string name) => _values.TryGetValue(name, out var value) && value is not null ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

        public string Required(string name) => String(name) is { Length: > 0 } text ? text : throw Bad(name, "is empty");

        public bool Bool(string name) => _values.TryGetValue(name, out var value) && value switch
        {
            bool b => b,
            string s when bool.TryParse(s, out var b) => b,
            null => false,
            _ => throw Bad(name, $"'{value}' is not true or false"),
        };

        public double? Double(string name)
        {
            if (String(name) is not { } text) return null;
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : throw Bad(name, $"'{text}' is not a number");
        }

        public T Enum<T>(string name, T fallback) where T : struct, Enum
        {
            if (String(name) is not { Length: > 0 } text) return fallback;
            if (System.Enum.TryParse<T>(text, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)) return parsed;
            throw Bad(name, $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");
        }

        public DateTimeOffset? Time(string name) => _values.TryGetValue(name, out var value) ? value switch
        {
            null => null,
            DateTimeOffset time => time,
            DateTime time => new DateTimeOffset(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time),
            _ when DateTimeOffset.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
            _ => throw Bad(name, $"'{value}' is not a time"),
        } : null;

        public TimeSpan? Duration(string name) => _values.TryGetValue(name, out var value) ? value switch
        {
            null => null,
            TimeSpan span => span,
            _ when TimeSpan.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw Bad(name, $"'{value}' is not a duration"),
        } : null;

        public Dictionary<string, string> Map(string name)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (_values.TryGetValue(name, out var value) && value is System.Collections.IDictionary dictionary)
            {
                foreach (System.Collections.DictionaryEntry entry in dictionary)
                    map[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? "";
            }
            return map;
        }

        private ArgumentException Bad(string name, string problem) => new($"The input from {origin} has a property '{name}' that {problem}.");
    }
}
