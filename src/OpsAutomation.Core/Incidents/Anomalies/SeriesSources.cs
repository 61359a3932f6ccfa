using System.Runtime.CompilerServices;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Incidents.Anomalies;

/// <summary>Where series to judge come from: a Prometheus range query, the module's kept samples, or samples on the pipeline.</summary>
public static class SeriesSources
{
    /// <summary>A series of a range query's matrix.</summary>
    public static TimeSeries FromRange(RangeSeries series) => TimeSeries.Create(series.Labels, series.TimestampsMs, series.Values);

    /// <summary>
    /// The series kept in the state store (what <c>Invoke-PrometheusRule -InProcess</c> records each
    /// run) in [<paramref name="from"/>, <paramref name="to"/>] whose label set (with __name__)
    /// <paramref name="select"/> accepts, one series at a time.
    /// </summary>
    public static async IAsyncEnumerable<TimeSeries> FromHistoryAsync(MetricHistoryStore store, DateTimeOffset from, DateTimeOffset to,
        Func<IReadOnlyDictionary<string, string>, bool> select, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string>? current = null;
        var keep = false;
        var times = new List<long>();
        var values = new List<double>();
        await foreach (var (labels, time, value) in store.ReadAsync(from, to, cancellationToken).ConfigureAwait(false))
        {
            // Rows come by series, then time; one series shares one label dictionary.
            if (!ReferenceEquals(labels, current))
            {
                if (keep && times.Count > 0) yield return TimeSeries.Create(current!, [.. times], [.. values]);
                current = labels;
                keep = select(labels);
                times.Clear();
                values.Clear();
            }
            if (!keep) continue;
            times.Add(time);
            values.Add(value);
        }
        if (keep && times.Count > 0) yield return TimeSeries.Create(current!, [.. times], [.. values]);
    }

    /// <summary>
    /// Samples grouped into series by name and labels, each at its own timestamp (else when it was
    /// scraped), in the order the series first appear.
    /// </summary>
    public static IReadOnlyList<TimeSeries> FromSamples(IEnumerable<MetricSample> samples)
    {
        var series = new Dictionary<string, (Dictionary<string, string> Labels, List<long> Times, List<double> Values)>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            var labels = new Dictionary<string, string>(sample.Labels, StringComparer.Ordinal) { ["__name__"] = sample.Name };
            var key = TimeSeries.Format(sample.Name, labels);
            if (!series.TryGetValue(key, out var points)) series[key] = points = (labels, [], []);
            points.Times.Add((sample.Timestamp ?? sample.ScrapedAt).ToUnixTimeMilliseconds());
            points.Values.Add(sample.Value);
        }
        return [.. series.Values.Select(s => TimeSeries.Create(s.Labels, [.. s.Times], [.. s.Values]))];
    }
}
