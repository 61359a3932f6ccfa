using System.Collections.Concurrent;

namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>
/// An in-process PromQL engine for the subset alert rules use (about_OpsAutomation_PromQL):
/// instant queries over an <see cref="ISeriesSource"/>, with Prometheus 2.x semantics. Parsed
/// expressions are cached by their text, so evaluating the same rules again costs no parsing.
/// Thread-safe: each query has its own evaluator.
/// </summary>
public sealed class PromQlEngine : IRuleQueryEngine
{
    private readonly ISeriesSource _source;
    private readonly long _lookbackMs;
    private readonly ConcurrentDictionary<string, Expr> _parsed = new(StringComparer.Ordinal);

    public PromQlEngine(ISeriesSource source, PromQlOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new PromQlOptions();
        if (options.LookbackDelta <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), options.LookbackDelta, "LookbackDelta must be positive.");
        _source = source;
        _lookbackMs = (long)options.LookbackDelta.TotalMilliseconds;
    }

    /// <summary>Throws <see cref="PromQlException"/> for syntax errors and for constructs outside the subset.</summary>
    public static void Validate(string expression) => Parser.Parse(expression);

    /// <summary>
    /// Checks <paramref name="expression"/> as Prometheus 2.42's parser (promtool's) does, whether or
    /// not this engine evaluates it: throws <see cref="PromQlException"/> for a syntax or type error,
    /// or for nesting deeper than <see cref="PromQlLimits.MaxDepth"/>.
    /// </summary>
    public static void CheckSyntax(string expression) => Parser.Check(expression);

    /// <summary>
    /// Instant query at <paramref name="time"/>. A scalar result is one sample without labels.
    /// Parse errors, unsupported constructs and evaluation errors (many-to-many matching,
    /// duplicate series) come back as <see cref="QueryResult.Failed"/> with the reason.
    /// </summary>
    public QueryResult Query(string expression, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Expr expr;
        try
        {
            expr = _parsed.TryGetValue(expression, out var cached) ? cached : _parsed.GetOrAdd(expression, Parser.Parse(expression));
        }
        catch (PromQlException ex)
        {
            return QueryResult.Failed(ex.Message);
        }
        var evaluator = new Evaluator(_source, time.ToUnixTimeMilliseconds(), _lookbackMs);
        try
        {
            switch (expr.Type)
            {
                case PromQlType.Scalar:
                    return new QueryResult([new QuerySample(new Dictionary<string, string>(StringComparer.Ordinal), evaluator.EvalScalar(expr))], null);
                case PromQlType.Vector:
                    var vector = evaluator.EvalVector(expr);
                    var samples = new QuerySample[vector.Count];
                    for (var i = 0; i < samples.Length; i++) samples[i] = new QuerySample(vector[i].Labels.ToDictionary(), vector[i].Value);
                    return new QueryResult(samples, null);
                default:
                    // Prometheus's rule query function (rules.EngineQueryFunc), which promtool uses too, says just this.
                    return QueryResult.Failed("rule result is not a vector or scalar");
            }
        }
        catch (PromQlEvaluationException ex)
        {
            return QueryResult.Failed(ex.Message);
        }
    }

    public Task<QueryResult> QueryAsync(string expression, DateTimeOffset time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Query(expression, time));
    }
}
