namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>One series of a range query's matrix: its labels (with __name__ when the expression keeps it) and points in time order.</summary>
public sealed record RangeSeries(IReadOnlyDictionary<string, string> Labels, long[] TimestampsMs, double[] Values);

/// <summary>A range query's answer: the series, or why there are none.</summary>
public sealed record RangeQueryResult(IReadOnlyList<RangeSeries> Series, string? Error)
{
    /// <summary>The server was not reached at all (refused connection, no answer in time, too large an answer, open circuit).</summary>
    public bool Unreachable { get; init; }

    public static RangeQueryResult Failed(string error) => new([], error);

    public static RangeQueryResult NotReached(string error) => new([], error) { Unreachable = true };
}
