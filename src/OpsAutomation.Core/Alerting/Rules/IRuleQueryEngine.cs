namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>One sample of an instant vector: its labels (with __name__ when the expression keeps it) and value.</summary>
public sealed record QuerySample(IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>An instant query's answer: the vector, or why there is none.</summary>
public sealed record QueryResult(IReadOnlyList<QuerySample> Samples, string? Error)
{
    /// <summary>The engine was not reached at all (refused connection, no answer in time, open circuit): no rule can be evaluated.</summary>
    public bool Unreachable { get; init; }

    public static QueryResult Failed(string error) => new([], error);

    public static QueryResult NotReached(string error) => new([], error) { Unreachable = true };
}

/// <summary>The query engine could not be reached, so the evaluation of a rule file stopped; the rules' state is left as it was.</summary>
public sealed class QueryEngineUnreachableException(string message) : Exception(message);

/// <summary>
/// Evaluates an instant PromQL query at a time: a Prometheus server over HTTP, or later an
/// in-process engine over the module's own samples. Failures are results with a reason.
/// </summary>
public interface IRuleQueryEngine
{
    Task<QueryResult> QueryAsync(string expression, DateTimeOffset time, CancellationToken cancellationToken);
}
