using System.Security.Cryptography;
using System.Text;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>
/// Evaluates the alerting rules of rule files through an <see cref="IRuleQueryEngine"/>,
/// advances each rule's persisted state, and sends firing and resolved series to the channels
/// through <see cref="AlertDelivery"/>: a channel that missed a notification is sent it again
/// while its series is kept (a resolved one for <see cref="AlertStateMachine.ResolvedRetention"/>).
/// Recording rules are not evaluated: their results could not be stored anywhere a query sees.
/// </summary>
public sealed class RuleEvaluator(IRuleQueryEngine engine, RuleAlertStateStore store, AlertDelivery delivery, IReadOnlyList<INotificationChannel> channels, TimeProvider time)
{
    /// <summary>One RuleAlert per series of each alerting rule (one Inactive without series labels when it has none).</summary>
    /// <exception cref="QueryEngineUnreachableException">The engine could not be reached: the remaining rules are not tried, each would wait for the same timeout.</exception>
    /// <param name="send">False (-WhatIf): evaluate and report, but neither notify nor change the stored state.</param>
    public async IAsyncEnumerable<RuleAlert> EvaluateAsync(RuleFile file, bool send,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var group in file.Groups)
        {
            foreach (var rule in group.Rules.Where(r => r.IsAlert))
            {
                await foreach (var alert in EvaluateRuleAsync(file.Path, group.Name, rule, send, cancellationToken).ConfigureAwait(false))
                    yield return alert;
            }
        }
    }

    private async IAsyncEnumerable<RuleAlert> EvaluateRuleAsync(string file, string group, Rule rule, bool send,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ruleKey = RuleKey(rule);
        var previous = await store.LoadAsync(file, group, ruleKey, cancellationToken).ConfigureAwait(false);
        var result = await engine.QueryAsync(rule.Expression, now, cancellationToken).ConfigureAwait(false);
        if (result.Unreachable) throw new QueryEngineUnreachableException(result.Error!);
        RuleAlert Output(AlertSeries? series, string? error, IReadOnlyList<Delivery>? deliveries = null) => new()
        {
            AlertName = rule.Name,
            Group = group,
            File = file,
            Labels = series?.Labels ?? new SortedDictionary<string, string>(StringComparer.Ordinal) { ["alertname"] = rule.Name },
            Annotations = series?.Annotations ?? new Dictionary<string, string>(),
            State = series?.State ?? RuleAlertState.Inactive,
            Value = series?.Value ?? double.NaN,
            ActiveSince = series?.State == RuleAlertState.Inactive ? null : series?.ActiveAt,
            FiredAt = series?.FiredAt,
            ResolvedAt = series?.ResolvedAt,
            Expression = rule.Expression,
            Error = error,
            Delivered = deliveries?.Where(d => d.Delivered).Select(d => d.Channel).ToList() ?? [],
            Failed = deliveries?.Where(d => !d.Delivered).Select(d => $"{d.Channel}: {d.Error}").ToList() ?? [],
            Timestamp = now,
        };

        IReadOnlyList<AlertSeries> next = [], dropped = [];
        var error = result.Error;
        if (error is null)
        {
            try
            {
                next = AlertStateMachine.Advance(rule, previous, result.Samples, now, out dropped);
            }
            catch (InvalidOperationException ex)
            {
                error = ex.Message;
            }
        }
        if (error is not null)
        {
            // As Prometheus does, a failed evaluation leaves the state as it was.
            if (previous.Count == 0) yield return Output(null, error);
            foreach (var series in previous) yield return Output(series, error);
            yield break;
        }

        var outputs = new List<RuleAlert>();
        var saved = new List<AlertSeries>();
        foreach (var series in next)
        {
            IReadOnlyList<Delivery>? deliveries = null;
            var kept = series;
            if (send && channels.Count > 0)
            {
                if (AlertStateMachine.NeedsSending(series))
                {
                    deliveries = await delivery.SendAsync(ToNotification(file, group, series, now), channels, cancellationToken).ConfigureAwait(false);
                    // Sent or owed: a channel that failed is retried below on later evaluations.
                    kept = series with { LastSentAt = now };
                }
                else
                {
                    deliveries = await delivery.RetryAsync(Fingerprint(file, group, series), channels, cancellationToken).ConfigureAwait(false);
                }
            }
            saved.Add(kept);
            outputs.Add(Output(kept, null, deliveries));
        }
        outputs.AddRange(dropped.Select(series => Output(series, null)));
        if (send) await store.SaveAsync(file, group, ruleKey, saved, now, cancellationToken).ConfigureAwait(false);
        if (outputs.Count == 0) outputs.Add(Output(null, null));
        foreach (var output in outputs) yield return output;
    }

    /// <summary>Identifies a rule within its group: its name and its label templates (two rules may share a name).</summary>
    internal static string RuleKey(Rule rule) =>
        rule.Labels.Count == 0 ? rule.Name : rule.Name + "{" + string.Join(",", rule.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value.Text}")) + "}";

    private static Notification ToNotification(string file, string group, AlertSeries series, DateTimeOffset now)
    {
        var labels = series.Labels.Where(l => l.Key != "alertname").ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        var summary = series.Annotations.GetValueOrDefault("summary") ?? $"{series.Labels["alertname"]} {(series.State == RuleAlertState.Firing ? "is firing" : "resolved")}";
        return new Notification
        {
            DedupKey = Fingerprint(file, group, series),
            State = series.State == RuleAlertState.Firing ? AlertState.Firing : AlertState.Resolved,
            AlertName = series.Labels["alertname"],
            Severity = Enum.TryParse<HealthSeverity>(series.Labels.GetValueOrDefault("severity"), ignoreCase: true, out var severity) ? severity : HealthSeverity.Warning,
            Summary = summary,
            Description = series.Annotations.GetValueOrDefault("description"),
            Annotations = series.Annotations,
            Source = group,
            Labels = labels,
            StartsAt = series.FiredAt ?? series.ActiveAt,
            EndsAt = series.State == RuleAlertState.Inactive ? series.ResolvedAt : null,
            Timestamp = now,
        };
    }

    private static string Fingerprint(string file, string group, AlertSeries series) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{file}\n{group}\n{series.Key}")))[..16].ToLowerInvariant();
}
