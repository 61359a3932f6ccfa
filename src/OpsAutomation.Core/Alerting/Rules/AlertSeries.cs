using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>
/// One alert series of a rule, as Prometheus's rule manager keeps it between evaluations:
/// when it became active, fired, resolved, started being kept firing, and was last sent.
/// </summary>
public sealed record AlertSeries(SortedDictionary<string, string> Labels, RuleAlertState State, double Value, IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset ActiveAt, DateTimeOffset? FiredAt, DateTimeOffset? ResolvedAt, DateTimeOffset? KeepFiringSince, DateTimeOffset? LastSentAt)
{
    /// <summary>The label set as one comparable key.</summary>
    public string Key => LabelKey(Labels);

    public static string LabelKey(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join("\u0000", labels.Select(l => l.Key + "\u0001" + l.Value));
}
