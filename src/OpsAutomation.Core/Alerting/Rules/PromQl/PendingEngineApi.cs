// TEMPORARY: the agreed API of the in-process PromQL engine that helper/promql is building, so the rule-test
// runner compiles before that branch is merged. Deleted by the merge commit.
#pragma warning disable CA1716, CA1822, CA1052
namespace OpsAutomation.Core.Alerting.Rules.PromQl;

public enum LabelMatchType { Equal, NotEqual, Regex, NotRegex }

public sealed record LabelMatcher(string Name, LabelMatchType Type, string Value)
{
    public bool Matches(string? value) => throw new NotSupportedException();
}

public sealed class StoredSeries
{
    public IReadOnlyDictionary<string, string> Labels { get; } = new Dictionary<string, string>();
    public IReadOnlyList<long> Timestamps { get; } = [];
    public IReadOnlyList<double> Values { get; } = [];
}

public interface ISeriesSource
{
    IEnumerable<StoredSeries> Select(IReadOnlyList<LabelMatcher> matchers, long minTimestampMs, long maxTimestampMs);
}

public sealed class SeriesStore : ISeriesSource
{
    public static readonly double StaleMarker = BitConverter.Int64BitsToDouble(0x7ff0000000000002);
    public static bool IsStale(double value) => BitConverter.DoubleToInt64Bits(value) == 0x7ff0000000000002;
    public void Add(IReadOnlyDictionary<string, string> labels, long timestampMs, double value) => SeriesCount++;
    public int SeriesCount { get; private set; }
    public IEnumerable<StoredSeries> Select(IReadOnlyList<LabelMatcher> matchers, long minTimestampMs, long maxTimestampMs) => throw new NotSupportedException();
}

public sealed class PromQlException(string message, int position) : Exception(message)
{
    public int Position { get; } = position;
}

public sealed record PromQlOptions
{
    public TimeSpan LookbackDelta { get; init; } = TimeSpan.FromMinutes(5);
}

public sealed class PromQlEngine(ISeriesSource source, PromQlOptions? options = null) : IRuleQueryEngine
{
    private readonly ISeriesSource _source = source;
    private readonly PromQlOptions? _options = options;
    public static void Validate(string expression) => throw new NotSupportedException(expression);
    public QueryResult Query(string expression, DateTimeOffset time) => throw new NotSupportedException(_source + expression + _options + time);
    public Task<QueryResult> QueryAsync(string expression, DateTimeOffset time, CancellationToken cancellationToken) => Task.FromResult(Query(expression, time));
}

public static class SeriesNotation
{
    public static IReadOnlyList<double?> Expand(string values) => throw new NotSupportedException(values);
    public static IReadOnlyDictionary<string, string> ParseSeries(string series) => throw new NotSupportedException(series);
}
