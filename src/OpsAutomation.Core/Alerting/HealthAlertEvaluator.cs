using System.Globalization;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Alerting;

/// <summary>
/// Decides, per result, whether a service's alert fires, stays firing or resolves, from the
/// persisted history (so thresholds count across scheduled runs), and notifies the channels.
/// A transition is claimed in the store before anything is sent; what each channel was sent is
/// kept per channel (<see cref="AlertDelivery"/>), so a channel that failed is sent it again on
/// every later evaluation until it takes it: a duplicate is possible, a lost alert is not.
/// </summary>
public sealed class HealthAlertEvaluator
{
    private readonly HealthAlertOptions _options;
    private readonly IReadOnlyList<INotificationChannel> _channels;
    private readonly AlertDelivery _delivery;
    private readonly HealthHistoryStore _history;
    private readonly AlertStateStore _alerts;
    private readonly TimeProvider _time;
    private readonly OpsLog? _log;

    /// <param name="log">Where each notification and its deliveries are logged; null for none.</param>
    public HealthAlertEvaluator(HealthAlertOptions options, IReadOnlyList<INotificationChannel> channels, Notifier notifier, StateStore store, TimeProvider time,
        OpsLog? log = null)
    {
        _log = log;
        _options = options;
        _channels = channels;
        _delivery = new AlertDelivery(notifier, store, time);
        _history = new HealthHistoryStore(store);
        _alerts = new AlertStateStore(store);
        _time = time;
    }

    public static string DedupKey(string service) => $"opsautomation/health/{service}";

    /// <param name="whatIf">Decide and report, but neither record nor send.</param>
    public async Task<HealthAlert> EvaluateAsync(HealthCheckResult result, bool whatIf, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var (failures, successes) = await CountRecentAsync(result, cancellationToken).ConfigureAwait(false);
        var prior = await _alerts.GetAsync(result.Name, cancellationToken).ConfigureAwait(false);
        var firing = prior?.State == AlertState.Firing;

        if (!firing && failures >= _options.FailureThreshold)
        {
            var next = new StoredAlert(result.Name, DedupKey(result.Name), AlertState.Firing, result.Severity, result.Error, result.Timestamp, now);
            return await TransitionAsync(result, prior, next, failures, whatIf, _channels, cancellationToken).ConfigureAwait(false);
        }
        if (firing && successes >= _options.SuccessThreshold)
        {
            var next = prior! with { State = AlertState.Resolved, Reason = "recovered", LastSent = now };
            var channels = _options.SendResolved ? _channels : [];
            return await TransitionAsync(result, prior, next, successes, whatIf, channels, cancellationToken).ConfigureAwait(false);
        }
        if (firing)
        {
            // Still failing: channels that expire a silent alert hear about it again, and a channel
            // that has not taken the firing yet is sent it again.
            List<Delivery> deliveries = [];
            if (!whatIf)
            {
                var repeat = _channels.Where(c => c.RepeatWhileFiring).ToList();
                if (repeat.Count > 0)
                    deliveries.AddRange(await _delivery.SendAsync(ToNotification(result, prior!, failures), repeat, cancellationToken).ConfigureAwait(false));
                deliveries.AddRange(await _delivery.RetryAsync(prior!.DedupKey, [.. _channels.Except(repeat)], cancellationToken).ConfigureAwait(false));
            }
            return Logged(Report(result, prior!, changed: false, failures, deliveries));
        }
        var inactive = new StoredAlert(result.Name, DedupKey(result.Name), prior?.State ?? AlertState.Inactive, result.Severity, null, null, prior?.LastSent);
        // A resolve that a channel has not taken yet is sent again.
        var retried = whatIf || prior?.State != AlertState.Resolved || !_options.SendResolved
            ? []
            : await _delivery.RetryAsync(prior.DedupKey, _channels, cancellationToken).ConfigureAwait(false);
        return Logged(Report(result, inactive, changed: false, failures, retried));
    }

    private async Task<HealthAlert> TransitionAsync(HealthCheckResult result, StoredAlert? prior, StoredAlert next, int count, bool whatIf,
        IReadOnlyList<INotificationChannel> channels, CancellationToken cancellationToken)
    {
        if (whatIf) return Report(result, next, changed: true, count, []);

        var now = _time.GetUtcNow();
        if (!await _alerts.TryTransitionAsync(prior?.State, next, now, cancellationToken).ConfigureAwait(false))
        {
            // An overlapping run made this transition first and notified.
            var current = await _alerts.GetAsync(result.Name, cancellationToken).ConfigureAwait(false) ?? next;
            return Report(result, current, changed: false, count, []);
        }

        var deliveries = channels.Count == 0
            ? []
            : await _delivery.SendAsync(ToNotification(result, next, count), channels, cancellationToken).ConfigureAwait(false);
        return Logged(Report(result, next, changed: true, count, deliveries));
    }

    /// <summary>Every notification sent is a log line, its failed deliveries a warning each.</summary>
    private HealthAlert Logged(HealthAlert alert)
    {
        if (_log is null || alert.Delivered.Count + alert.Failed.Count == 0) return alert;
        var failed = alert.Failed.Count > 0;
        _log.Write(new LogRecord
        {
            Level = failed ? OpsLogLevel.Warning : OpsLogLevel.Information,
            Action = "health-alert",
            Outcome = failed ? "failure" : "success",
            Message = $"{alert.State} alert of {alert.Name} delivered to {(alert.Delivered.Count == 0 ? "no channel" : string.Join(", ", alert.Delivered))}"
                + (failed ? $"; not delivered: {string.Join("; ", alert.Failed)}" : "."),
            ServiceName = alert.Name,
            ErrorType = failed ? "NotificationFailed" : null,
            ErrorMessage = failed ? string.Join("; ", alert.Failed) : null,
            Labels = new Dictionary<string, string?>
            {
                ["alert_state"] = alert.State.ToString(),
                ["alert_changed"] = alert.Changed ? "true" : "false",
                ["dedup_key"] = alert.DedupKey,
                ["severity"] = alert.Severity.ToString(),
            },
        });
        return alert;
    }

    private async Task<(int Failures, int Successes)> CountRecentAsync(HealthCheckResult result, CancellationToken cancellationToken)
    {
        var window = Math.Max(_options.FailureThreshold, _options.SuccessThreshold);
        var recent = (await _history.ReadAsync(result.Name, null, window, cancellationToken).ConfigureAwait(false)).ToList();
        // A result kept out of the history (-NoHistory) still counts, as the newest.
        if (!recent.Any(r => r.RunId == result.RunId)) recent.Insert(0, result);
        var failures = recent.TakeWhile(r => HealthTrends.IsFailure(r.Status)).Count();
        var successes = recent.TakeWhile(r => !HealthTrends.IsFailure(r.Status)).Count();
        return (failures, successes);
    }

    private Notification ToNotification(HealthCheckResult result, StoredAlert alert, int count)
    {
        var resolved = alert.State == AlertState.Resolved;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["kind"] = result.Kind.ToString() };
        if (result.Owner is not null) labels["owner"] = result.Owner;
        if (result.Tags.Count > 0) labels["tags"] = string.Join(",", result.Tags);
        var description = resolved
            ? $"{result.Name} ({result.Target}) is {result.Status} again after {count} good checks."
            : $"{result.Name} ({result.Target}) failed {count} consecutive checks. Last: {result.Status}{(result.Error is null ? "" : ": " + result.Error)}. Run {result.RunId}.";
        return new Notification
        {
            DedupKey = alert.DedupKey,
            State = alert.State,
            AlertName = "ServiceHealthCheckFailing",
            Severity = alert.Severity,
            Summary = resolved ? $"{result.Name} recovered" : $"{result.Name} is {result.Status}{(result.Error is null ? "" : ": " + result.Error)}",
            Description = description,
            Source = result.Name,
            Component = result.Kind.ToString(),
            Labels = labels,
            StartsAt = alert.StartsAt ?? result.Timestamp,
            EndsAt = resolved ? _time.GetUtcNow() : null,
            Timestamp = _time.GetUtcNow(),
        };
    }

    private HealthAlert Report(HealthCheckResult result, StoredAlert alert, bool changed, int count, IReadOnlyList<Delivery> deliveries) => new()
    {
        Name = result.Name,
        State = alert.State,
        Changed = changed,
        Severity = alert.Severity,
        DedupKey = alert.DedupKey,
        Status = result.Status,
        ConsecutiveCount = count,
        Reason = alert.State == AlertState.Firing ? result.Error ?? result.Status.ToString() : alert.Reason,
        StartsAt = alert.StartsAt,
        Delivered = [.. deliveries.Where(d => d.Delivered).Select(d => d.Channel)],
        Failed = [.. deliveries.Where(d => !d.Delivered).Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Channel}: {d.Error}"))],
        Timestamp = _time.GetUtcNow(),
    };
}
