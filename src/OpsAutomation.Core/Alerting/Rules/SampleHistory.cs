using OpsAutomation.Core.Alerting.Rules.PromQl;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>
/// The samples in-process rule evaluation reads: each run records what it sees now, and loads
/// back the window its expressions look at, as a series store for <see cref="PromQlEngine"/>.
/// </summary>
public sealed class SampleHistory(MetricHistoryStore store)
{
    /// <summary>Keeps <paramref name="samples"/> at <paramref name="now"/> and forgets what is older than <paramref name="retention"/>.</summary>
    /// <exception cref="InvalidOperationException">Two samples share a label set: which one is meant cannot be told.</exception>
    public async Task RecordAsync(IEnumerable<MetricSample> samples, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var history = new List<HistorySample>();
        foreach (var sample in samples)
        {
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["__name__"] = sample.Name };
            foreach (var (name, value) in sample.Labels) labels[name] = value;
            if (!seen.Add(AlertSeries.LabelKey(labels)))
                throw new InvalidOperationException($"Two samples have the label set {Describe(labels)}{(sample.Source is { } source ? $" (the second from {source})" : "")}; label them apart.");
            history.Add(new HistorySample(labels, sample.Value));
        }
        await store.AppendAsync(history, now, cancellationToken).ConfigureAwait(false);
        await store.PruneAsync(now - retention, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every kept point in [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public async Task<SeriesStore> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var series = new SeriesStore();
        await foreach (var (labels, time, value) in store.ReadAsync(from, to, cancellationToken).ConfigureAwait(false))
            series.Add(labels, time, value);
        return series;
    }

    private static string Describe(SortedDictionary<string, string> labels) =>
        labels["__name__"] + "{" + string.Join(",", labels.Where(l => l.Key != "__name__").Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}
