namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>Where <see cref="PromQlEngine"/> reads series from.</summary>
public interface ISeriesSource
{
    /// <summary>Series matching all matchers that have at least one point in [minTimestampMs, maxTimestampMs].</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "The agreed API name; Select reads as PromQL's series selection.")]
    IEnumerable<StoredSeries> Select(IReadOnlyList<LabelMatcher> matchers, long minTimestampMs, long maxTimestampMs);
}
