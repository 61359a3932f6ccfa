using System.Collections.Concurrent;
using System.Globalization;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.Observers;

/// <summary>
/// Notifies the spec's channels when a run ends failed (if OnFailure) or rejects more than the
/// threshold, one notification per condition, deduplicated per pipeline and condition. A run
/// that ends clear of a condition the previous run alerted on sends its resolution. "Previous"
/// is read from the run store, so it holds across scheduled runs in separate processes; for a
/// resumed run it is the attempt being resumed (its step results, handed over at the start).
/// </summary>
public sealed class PipelineAlertObserver : IPipelineObserver
{
    public const string FailedAlert = "PipelineFailed";

    public const string RejectionRateAlert = "PipelineRejectionRateHigh";

    private readonly PipelineAlerting _alerting;
    private readonly Notifier _notifier;
    private readonly PipelineRunStore _runs;
    private readonly TimeProvider _time;
    private readonly OpsLog _log;
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _resumedAlerts = new(StringComparer.Ordinal);
    private readonly List<Delivery> _deliveries = [];

    public PipelineAlertObserver(PipelineAlerting alerting, Notifier notifier, PipelineRunStore runs, TimeProvider time, OpsLog log)
    {
        _alerting = alerting;
        _notifier = notifier;
        _runs = runs;
        _time = time;
        _log = log;
    }

    public static string DedupKey(string pipeline, string alertName) => $"opsautomation/pipeline/{pipeline}/{alertName}";

    /// <summary>Every delivery of every notification sent so far, for the cmdlet's warnings.</summary>
    public IReadOnlyList<Delivery> Deliveries
    {
        get { lock (_deliveries) return [.. _deliveries]; }
    }

    public Task RunStartedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken)
    {
        // A resumed run starts with the steps of the attempt it continues. That attempt alerted
        // only if it ended (a failed or cancelled step); a killed attempt never reached its end.
        if (run.Resumes > 0 && run.Steps.Any(s => s.Status is PipelineRunStatus.Failed or PipelineRunStatus.Cancelled))
        {
            var attempt = run with
            {
                Status = run.Steps.Any(s => s.Status == PipelineRunStatus.Failed) ? PipelineRunStatus.Failed : PipelineRunStatus.Cancelled,
                RecordsIn = run.Steps.Sum(s => s.RecordsIn),
                Rejected = run.Steps.Sum(s => s.Rejected),
            };
            _resumedAlerts[run.RunId] = Alerts(attempt);
        }
        return Task.CompletedTask;
    }

    public async Task RunEndedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        // An error can quote a connection string: notifications get what the log gets.
        if (run.Error is { } error) run = run with { Error = _log.Redactor.Redact(error) };
        var current = Alerts(run);
        var (previousRun, previous) = await PreviousAlertsAsync(run, cancellationToken).ConfigureAwait(false);

        foreach (var alert in new[] { FailedAlert, RejectionRateAlert })
        {
            Notification? notification = current.Contains(alert) ? Firing(alert, run, now)
                : previous.Contains(alert) ? Resolved(alert, run, previousRun, now)
                : null;
            if (notification is null) continue;
            var deliveries = await _notifier.SendAsync(notification, _alerting.Channels, cancellationToken).ConfigureAwait(false);
            lock (_deliveries) _deliveries.AddRange(deliveries);
            Log(notification, run, deliveries);
        }
    }

    /// <summary>The alerts <paramref name="run"/> raises under this spec.</summary>
    private HashSet<string> Alerts(PipelineRun run)
    {
        var alerts = new HashSet<string>(StringComparer.Ordinal);
        if (_alerting.OnFailure && run.Status == PipelineRunStatus.Failed) alerts.Add(FailedAlert);
        if (run.Status != PipelineRunStatus.Running && run.RejectionRate > _alerting.RejectionRateThreshold) alerts.Add(RejectionRateAlert);
        return alerts;
    }

    /// <summary>What the run before this one alerted on: the resumed attempt's alerts and those of the newest other ended run.</summary>
    private async Task<(PipelineRun? Run, IReadOnlySet<string> Alerts)> PreviousAlertsAsync(PipelineRun run, CancellationToken cancellationToken)
    {
        var alerts = new HashSet<string>(StringComparer.Ordinal);
        if (_resumedAlerts.TryRemove(run.RunId, out var resumed)) alerts.UnionWith(resumed);
        PipelineRun? previous = null;
        try
        {
            await foreach (var candidate in _runs.ListAsync(run.Pipeline, null, 10, cancellationToken).ConfigureAwait(false))
            {
                // A Running run is in progress or was killed: it sent nothing.
                if (candidate.RunId == run.RunId || candidate.Status == PipelineRunStatus.Running) continue;
                previous = candidate;
                break;
            }
        }
        catch (Exception ex) when (ex is StateStoreException or Microsoft.Data.Sqlite.SqliteException)
        {
            _log.Write(new LogRecord
            {
                Level = OpsLogLevel.Warning,
                Message = $"Pipeline {run.Pipeline}: the previous run could not be read, so no alert of it can be resolved: {ex.Message}",
                Action = "pipeline-alert",
                Outcome = "failure",
                ErrorType = ex.GetType().Name,
                ErrorMessage = ex.Message,
                Labels = new Dictionary<string, string?> { ["pipeline"] = run.Pipeline, ["pipeline_run"] = run.RunId },
            });
        }
        if (previous is not null) alerts.UnionWith(Alerts(previous));
        return (previous, alerts);
    }

    private Notification Firing(string alert, PipelineRun run, DateTimeOffset now)
    {
        var counts = Counts(run);
        var failed = alert == FailedAlert;
        return new Notification
        {
            DedupKey = DedupKey(run.Pipeline, alert),
            State = AlertState.Firing,
            AlertName = alert,
            Severity = failed ? HealthSeverity.Error : HealthSeverity.Warning,
            Summary = failed
                ? $"Pipeline {run.Pipeline} run {run.RunId} failed: {run.Error ?? "no error recorded"}"
                : string.Create(CultureInfo.InvariantCulture,
                    $"Pipeline {run.Pipeline} run {run.RunId} rejected {run.Rejected} of {run.RecordsIn} records ({run.RejectionRate:P1}, threshold {_alerting.RejectionRateThreshold:P1})"),
            Description = $"{counts}. The run's dead letters hold what it rejected; resuming the run continues after its last checkpoint.",
            Source = run.Pipeline,
            Component = "pipeline",
            Labels = Labels(run),
            StartsAt = run.EndedAt ?? now,
            Timestamp = now,
        };
    }

    private Notification Resolved(string alert, PipelineRun run, PipelineRun? previous, DateTimeOffset now)
    {
        var summary = alert == FailedAlert
            ? $"Pipeline {run.Pipeline} run {run.RunId} ended {run.Status} after a failed run"
            : string.Create(CultureInfo.InvariantCulture,
                $"Pipeline {run.Pipeline} run {run.RunId} is back under the rejection threshold: {run.Rejected} of {run.RecordsIn} records ({run.RejectionRate:P1}, threshold {_alerting.RejectionRateThreshold:P1})");
        return new Notification
        {
            DedupKey = DedupKey(run.Pipeline, alert),
            State = AlertState.Resolved,
            AlertName = alert,
            Severity = alert == FailedAlert ? HealthSeverity.Error : HealthSeverity.Warning,
            Summary = summary,
            Description = $"{Counts(run)}.",
            Source = run.Pipeline,
            Component = "pipeline",
            Labels = Labels(run),
            StartsAt = previous?.EndedAt ?? run.StartedAt,
            EndsAt = now,
            Timestamp = now,
        };
    }

    private static string Counts(PipelineRun run) => string.Create(CultureInfo.InvariantCulture,
        $"Run {run.RunId} of pipeline {run.Pipeline} ended {run.Status}: {run.RecordsIn} in, {run.Loaded} loaded, {run.Rejected} rejected, {run.DeadLettered} dead-lettered, {run.Filtered} filtered, in {run.Duration.TotalSeconds:0.#} s");

    private static Dictionary<string, string> Labels(PipelineRun run) => new(StringComparer.Ordinal)
    {
        ["pipeline"] = run.Pipeline,
        ["run"] = run.RunId,
        ["status"] = run.Status.ToString(),
    };

    private void Log(Notification notification, PipelineRun run, IReadOnlyList<Delivery> deliveries)
    {
        var failed = deliveries.Where(d => !d.Delivered).Select(d => $"{d.Channel}: {d.Error}").ToList();
        var delivered = deliveries.Where(d => d.Delivered).Select(d => d.Channel).ToList();
        _log.Write(new LogRecord
        {
            Level = failed.Count > 0 ? OpsLogLevel.Warning : OpsLogLevel.Information,
            Message = $"{notification.State} alert {notification.AlertName} of pipeline {run.Pipeline} delivered to {(delivered.Count == 0 ? "no channel" : string.Join(", ", delivered))}"
                + (failed.Count > 0 ? $"; not delivered: {string.Join("; ", failed)}" : "."),
            Action = "pipeline-alert",
            Outcome = failed.Count > 0 ? "failure" : "success",
            ErrorType = failed.Count > 0 ? "NotificationFailed" : null,
            ErrorMessage = failed.Count > 0 ? string.Join("; ", failed) : null,
            Labels = new Dictionary<string, string?>
            {
                ["pipeline"] = run.Pipeline,
                ["pipeline_run"] = run.RunId,
                ["alert_state"] = notification.State.ToString(),
                ["dedup_key"] = notification.DedupKey,
            },
        });
    }
}
