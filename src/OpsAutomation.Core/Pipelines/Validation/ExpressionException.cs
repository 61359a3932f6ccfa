namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>An expression that does not parse; <see cref="Position"/> is the 1-based character where it went wrong.</summary>
public sealed class ExpressionException : Exception
{
    public ExpressionException(string message, string expression, int position)
        : base($"position {position}: {message} in '{Excerpt(expression, position)}'")
    {
        Expression = expression;
        Position = position;
    }

    public string Expression { get; }

    public int Position { get; }

    // A generated expression can be megabytes long: quote the part around the position.
    private static string Excerpt(string expression, int position)
    {
        const int Around = 40;
        if (expression.Length <= 2 * Around) return expression;
        var start = Math.Clamp(position - 1 - Around, 0, expression.Length);
        var end = Math.Min(expression.Length, start + 2 * Around);
        return (start > 0 ? "..." : "") + expression[start..end] + (end < expression.Length ? "..." : "");
    }
}

/// <summary>An expression that cannot be evaluated on one record (comparing text with a number): a failure of that record.</summary>
internal sealed class ExpressionEvaluationException(string message) : Exception(message);
