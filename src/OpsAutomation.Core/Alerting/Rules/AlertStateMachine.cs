using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>
/// Prometheus's alerting-rule state machine (rules/alerting.go): a newly returned series is
/// Pending; Pending for at least 'for' becomes Firing ('for' 0: at once); a series no longer
/// returned becomes Inactive, unless it is Firing and within 'keep_firing_for' of the first
/// evaluation that missed it. A resolved series is kept for 15 minutes so its resolution can
/// be sent; a pending one that disappears is dropped.
/// </summary>
public static class AlertStateMachine
{
    /// <summary>How long a resolved series is kept, as Prometheus's resolvedRetention.</summary>
    public static readonly TimeSpan ResolvedRetention = TimeSpan.FromMinutes(15);

    /// <param name="dropped">Pending series that disappeared: reported once as Inactive, not kept.</param>
    /// <exception cref="InvalidOperationException">Two samples have the same labels once the rule's are applied, as Prometheus refuses them.</exception>
    public static IReadOnlyList<AlertSeries> Advance(Rule rule, IReadOnlyList<AlertSeries> previous, IReadOnlyList<QuerySample> samples, DateTimeOffset now,
        out IReadOnlyList<AlertSeries> dropped)
    {
        var active = previous.ToDictionary(s => s.Key, StringComparer.Ordinal);
        var returned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            var (labels, annotations) = Expand(rule, sample);
            var key = AlertSeries.LabelKey(labels);
            if (!returned.Add(key))
                throw new InvalidOperationException("vector contains metrics with the same labelset after applying alert labels");
            active[key] = active.TryGetValue(key, out var known) && known.State != RuleAlertState.Inactive
                ? known with { Value = sample.Value, Annotations = annotations }
                : new AlertSeries(labels, RuleAlertState.Pending, sample.Value, annotations, now, null, null, null, null);
        }

        var next = new List<AlertSeries>();
        var gone = new List<AlertSeries>();
        foreach (var series in active.Values)
        {
            var current = series;
            if (!returned.Contains(current.Key))
            {
                var keepFiring = false;
                if (current.State == RuleAlertState.Firing && rule.KeepFiringFor > TimeSpan.Zero)
                {
                    current = current with { KeepFiringSince = current.KeepFiringSince ?? now };
                    keepFiring = now - current.KeepFiringSince.Value < rule.KeepFiringFor;
                }
                if (current.State == RuleAlertState.Pending)
                {
                    gone.Add(current with { State = RuleAlertState.Inactive, ResolvedAt = now });
                    continue;
                }
                if (current.ResolvedAt is { } resolved && now - resolved > ResolvedRetention) continue;
                if (current.State != RuleAlertState.Inactive && !keepFiring)
                    current = current with { State = RuleAlertState.Inactive, ResolvedAt = now };
            }
            else
            {
                current = current with { KeepFiringSince = null };
            }
            if (current.State == RuleAlertState.Pending && now - current.ActiveAt >= rule.For)
                current = current with { State = RuleAlertState.Firing, FiredAt = now };
            next.Add(current);
        }
        dropped = gone;
        return next;
    }

    /// <summary>
    /// Sends as Prometheus does, with every evaluation as the resend interval: a firing series
    /// each time (Alertmanager forgets one not re-sent), a resolved one once.
    /// </summary>
    public static bool NeedsSending(AlertSeries series) => series.State switch
    {
        RuleAlertState.Firing => true,
        RuleAlertState.Inactive => series.ResolvedAt is { } resolved && (series.LastSentAt is not { } sent || sent < resolved),
        _ => false,
    };

    /// <summary>The series' labels (sample labels without __name__, then the rule's, then alertname) and annotations, templates expanded.</summary>
    internal static (SortedDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations) Expand(Rule rule, QuerySample sample)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in sample.Labels)
            if (name != "__name__") labels[name] = value;
        foreach (var (name, template) in rule.Labels)
        {
            var value = ExpandOne(template, sample);
            // An empty label value removes the label, as in Prometheus.
            if (value.Length == 0) labels.Remove(name);
            else labels[name] = value;
        }
        labels["alertname"] = rule.Name;
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, template) in rule.Annotations)
            annotations[name] = ExpandOne(template, sample);
        return (labels, annotations);
    }

    // Templates see the sample's own labels, as in Prometheus; a failed expansion reads as Prometheus writes it.
    private static string ExpandOne(RuleTemplate template, QuerySample sample)
    {
        try
        {
            return template.Expand(sample.Labels, sample.Value);
        }
        catch (RuleTemplateException ex)
        {
            return $"<error expanding template: {ex.Message}>";
        }
    }
}
