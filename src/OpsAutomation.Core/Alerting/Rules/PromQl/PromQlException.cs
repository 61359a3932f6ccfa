namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>What a <see cref="PromQlException"/> says about the expression.</summary>
public enum PromQlErrorKind
{
    /// <summary>Not PromQL: Prometheus refuses it too.</summary>
    Syntax,

    /// <summary>Valid PromQL outside the subset this engine evaluates (offset, topk, ...).</summary>
    Unsupported,

    /// <summary>Nested deeper than <see cref="PromQlLimits.MaxDepth"/>: refused to protect the stack, whatever Prometheus would say.</summary>
    TooDeep,
}

/// <summary>
/// A syntax error or a construct outside the supported subset; the message names the construct
/// and the position, e.g. "unsupported function 'predict_linear' at position 1".
/// </summary>
public sealed class PromQlException : Exception
{
    public PromQlException()
    {
    }

    public PromQlException(string message) : base(message)
    {
    }

    public PromQlException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public PromQlException(string message, int position, PromQlErrorKind kind = PromQlErrorKind.Syntax) : base(message)
    {
        Position = position;
        Kind = kind;
    }

    /// <summary>1-based character position in the expression.</summary>
    public int Position { get; }

    public PromQlErrorKind Kind { get; }
}

/// <summary>The limits the parser enforces on any input.</summary>
public static class PromQlLimits
{
    /// <summary>
    /// The deepest expression tree the parser builds: nesting of parentheses, unary operators,
    /// calls and aggregations, and chains of binary operators. Every walk over a parsed
    /// expression recurses at most this deep. Prometheus has no such limit; real rules stay
    /// well under 30 levels.
    /// </summary>
    public const int MaxDepth = 256;
}
