namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>How far back an expression reads: its longest range plus the lookback of instant selectors.</summary>
public static class ExpressionWindow
{
    /// <summary>The span before the evaluation time whose samples decide <paramref name="expression"/>'s value.</summary>
    /// <exception cref="PromQlException">The expression does not parse or leaves the subset.</exception>
    public static TimeSpan Of(string expression, PromQlOptions? options = null)
    {
        var lookback = (options ?? new PromQlOptions()).LookbackDelta;
        var widest = TimeSpan.Zero;
        var pending = new Stack<Expr>();
        pending.Push(Parser.Parse(expression));
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case MatrixSelector matrix:
                    widest = Max(widest, TimeSpan.FromMilliseconds(matrix.RangeMs));
                    break;
                case VectorSelector:
                    widest = Max(widest, lookback);
                    break;
                case ParenExpr paren: pending.Push(paren.Inner); break;
                case Negation negation: pending.Push(negation.Operand); break;
                case Aggregation aggregation: pending.Push(aggregation.Operand); break;
                case Binary binary:
                    pending.Push(binary.Left);
                    pending.Push(binary.Right);
                    break;
                case Call call:
                    foreach (var argument in call.Args) pending.Push(argument);
                    break;
            }
        }
        return widest;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
