namespace OpsAutomation.Core.Alerting.Rules.PromQl;

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

    public PromQlException(string message, int position) : base(message) => Position = position;

    /// <summary>1-based character position in the expression.</summary>
    public int Position { get; }
}
