namespace OpsAutomation.Core.Alerting.Rules.PromQl;

internal enum PromQlType { Scalar, Vector, Matrix, String }

internal enum BinaryOperator { Add, Sub, Mul, Div, Mod, Pow, Equal, NotEqual, Greater, Less, GreaterEqual, LessEqual, And, Or, Unless }

internal enum AggregateOperator { Sum, Avg, Min, Max, Count }

internal enum PromQlFunction
{
    Rate, Irate, Increase, Delta,
    AvgOverTime, MinOverTime, MaxOverTime, SumOverTime, CountOverTime, LastOverTime, StddevOverTime, StdvarOverTime, QuantileOverTime, PresentOverTime,
    Absent, HistogramQuantile, Vector, Scalar, Time,
    Abs, Ceil, Floor, Round, Clamp, ClampMin, ClampMax,
}

/// <summary>A node of a parsed expression; <see cref="Position"/> is 1-based.</summary>
internal abstract record Expr(int Position)
{
    public abstract PromQlType Type { get; }

    /// <summary>Levels of the tree below and including this node, kept at construction so no walk is needed to know it.</summary>
    public virtual int Depth => 1;
}

internal sealed record NumberLiteral(int Position, double Value) : Expr(Position)
{
    public override PromQlType Type => PromQlType.Scalar;
}

internal sealed record StringLiteral(int Position, string Value) : Expr(Position)
{
    public override PromQlType Type => PromQlType.String;
}

internal sealed record VectorSelector(int Position, IReadOnlyList<LabelMatcher> Matchers) : Expr(Position)
{
    public override PromQlType Type => PromQlType.Vector;
}

internal sealed record MatrixSelector(int Position, VectorSelector Selector, long RangeMs) : Expr(Position)
{
    public override PromQlType Type => PromQlType.Matrix;
}

internal sealed record ParenExpr(int Position, Expr Inner) : Expr(Position)
{
    public override int Depth { get; } = Inner.Depth + 1;

    public override PromQlType Type => Inner.Type;
}

internal sealed record Negation(int Position, Expr Operand) : Expr(Position)
{
    public override int Depth { get; } = Operand.Depth + 1;

    public override PromQlType Type => Operand.Type;
}

internal sealed record Call(int Position, PromQlFunction Function, IReadOnlyList<Expr> Args, PromQlType ReturnType) : Expr(Position)
{
    public override int Depth { get; } = Args.Count == 0 ? 1 : Args.Max(a => a.Depth) + 1;

    public override PromQlType Type => ReturnType;
}

/// <summary>sum/avg/min/max/count; <see cref="Grouping"/> with <see cref="Without"/> false is by (...).</summary>
internal sealed record Aggregation(int Position, AggregateOperator Operator, Expr Operand, IReadOnlyList<string> Grouping, bool Without) : Expr(Position)
{
    public override int Depth { get; } = Operand.Depth + 1;

    public override PromQlType Type => PromQlType.Vector;
}

/// <summary>on (...) when <see cref="On"/>, else ignoring (...); absent modifiers are ignoring ().</summary>
internal sealed record VectorMatching(bool On, IReadOnlyList<string> Labels)
{
    public static readonly VectorMatching Default = new(false, []);
}

internal sealed record Binary(int Position, BinaryOperator Operator, Expr Left, Expr Right, bool ReturnBool, VectorMatching Matching) : Expr(Position)
{
    public override int Depth { get; } = Math.Max(Left.Depth, Right.Depth) + 1;

    public override PromQlType Type => Left.Type == PromQlType.Scalar && Right.Type == PromQlType.Scalar ? PromQlType.Scalar : PromQlType.Vector;

    public bool IsComparison => Operator is >= BinaryOperator.Equal and <= BinaryOperator.LessEqual;

    public bool IsSetOperator => Operator is BinaryOperator.And or BinaryOperator.Or or BinaryOperator.Unless;
}

/// <summary>
/// A construct outside the subset (a subquery, topk, predict_linear, ...) that <see cref="Parser.Check"/>
/// parses to type-check what surrounds it; never evaluated, as <see cref="Parser.Parse"/> refuses it.
/// </summary>
internal sealed record Unevaluated(int Position, PromQlType ResultType, IReadOnlyList<Expr> Children) : Expr(Position)
{
    public override PromQlType Type => ResultType;

    public override int Depth { get; } = Children.Count == 0 ? 1 : Children.Max(c => c.Depth) + 1;
}
