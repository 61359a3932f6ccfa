namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>An expression that does not parse; <see cref="Position"/> is the 1-based character where it went wrong.</summary>
public sealed class ExpressionException : Exception
{
    public ExpressionException(string message, string expression, int position)
        : base($"position {position}: {message} in '{expression}'")
    {
        Expression = expression;
        Position = position;
    }

    public string Expression { get; }

    public int Position { get; }
}

/// <summary>An expression that cannot be evaluated on one record (comparing text with a number): a failure of that record.</summary>
internal sealed class ExpressionEvaluationException(string message) : Exception(message);
