namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>
/// Recursive descent over <see cref="Lexer"/>'s tokens with Prometheus's precedence: or &lt; and
/// unless &lt; comparisons &lt; + - &lt; * / % &lt; ^ (right-associative), unary minus binding
/// like * (so -2^2 is -4). Types are checked as Prometheus's parser checks them; constructs
/// outside the subset are refused by name.
/// </summary>
internal sealed class Parser
{
    private static readonly Dictionary<string, (PromQlFunction Function, PromQlType[] Args, PromQlType Returns)> Functions = new(StringComparer.Ordinal)
    {
        ["rate"] = (PromQlFunction.Rate, [PromQlType.Matrix], PromQlType.Vector),
        ["irate"] = (PromQlFunction.Irate, [PromQlType.Matrix], PromQlType.Vector),
        ["increase"] = (PromQlFunction.Increase, [PromQlType.Matrix], PromQlType.Vector),
        ["delta"] = (PromQlFunction.Delta, [PromQlType.Matrix], PromQlType.Vector),
        ["avg_over_time"] = (PromQlFunction.AvgOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["min_over_time"] = (PromQlFunction.MinOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["max_over_time"] = (PromQlFunction.MaxOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["sum_over_time"] = (PromQlFunction.SumOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["count_over_time"] = (PromQlFunction.CountOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["last_over_time"] = (PromQlFunction.LastOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["stddev_over_time"] = (PromQlFunction.StddevOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["stdvar_over_time"] = (PromQlFunction.StdvarOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["quantile_over_time"] = (PromQlFunction.QuantileOverTime, [PromQlType.Scalar, PromQlType.Matrix], PromQlType.Vector),
        ["present_over_time"] = (PromQlFunction.PresentOverTime, [PromQlType.Matrix], PromQlType.Vector),
        ["absent"] = (PromQlFunction.Absent, [PromQlType.Vector], PromQlType.Vector),
        ["histogram_quantile"] = (PromQlFunction.HistogramQuantile, [PromQlType.Scalar, PromQlType.Vector], PromQlType.Vector),
        ["vector"] = (PromQlFunction.Vector, [PromQlType.Scalar], PromQlType.Vector),
        ["scalar"] = (PromQlFunction.Scalar, [PromQlType.Vector], PromQlType.Scalar),
        ["time"] = (PromQlFunction.Time, [], PromQlType.Scalar),
        ["abs"] = (PromQlFunction.Abs, [PromQlType.Vector], PromQlType.Vector),
        ["ceil"] = (PromQlFunction.Ceil, [PromQlType.Vector], PromQlType.Vector),
        ["floor"] = (PromQlFunction.Floor, [PromQlType.Vector], PromQlType.Vector),
        // round's second argument (to_nearest) is optional, as in Prometheus.
        ["round"] = (PromQlFunction.Round, [PromQlType.Vector, PromQlType.Scalar], PromQlType.Vector),
        ["clamp"] = (PromQlFunction.Clamp, [PromQlType.Vector, PromQlType.Scalar, PromQlType.Scalar], PromQlType.Vector),
        ["clamp_min"] = (PromQlFunction.ClampMin, [PromQlType.Vector, PromQlType.Scalar], PromQlType.Vector),
        ["clamp_max"] = (PromQlFunction.ClampMax, [PromQlType.Vector, PromQlType.Scalar], PromQlType.Vector),
    };

    // Prometheus functions this engine does not evaluate: refused as unsupported rather than unknown.
    private static readonly HashSet<string> UnsupportedFunctions = new(StringComparer.Ordinal)
    {
        "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "changes",
        "cos", "cosh", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg", "deriv", "double_exponential_smoothing", "exp",
        "histogram_avg", "histogram_count", "histogram_fraction", "histogram_stddev", "histogram_stdvar", "histogram_sum",
        "holt_winters", "hour", "idelta", "info", "label_join", "label_replace", "ln", "log10", "log2", "mad_over_time", "minute", "month",
        "pi", "predict_linear", "rad", "resets", "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc",
        "sqrt", "tan", "tanh", "timestamp", "year",
    };

    private static readonly Dictionary<string, AggregateOperator> Aggregations = new(StringComparer.Ordinal)
    {
        ["sum"] = AggregateOperator.Sum, ["avg"] = AggregateOperator.Avg, ["min"] = AggregateOperator.Min,
        ["max"] = AggregateOperator.Max, ["count"] = AggregateOperator.Count,
    };

    private static readonly HashSet<string> UnsupportedAggregations = new(StringComparer.Ordinal)
    {
        "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio",
    };

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _index;
    private int _nesting;

    private Parser(string text)
    {
        _text = text;
        _tokens = Lexer.Tokenize(text);
    }

    public static Expr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        if (parser.Peek.Kind == TokenKind.End) throw new PromQlException("parse error at position 1: no expression found in input", 1);
        var expr = parser.ParseExpression(0);
        if (parser.Peek.Kind != TokenKind.End) throw Unexpected(parser.Peek);
        return expr;
    }

    private Token Peek => _tokens[_index];

    private Token PeekAt(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private Token Advance() => _tokens[_index++];

    private Token Expect(TokenKind kind, string what)
    {
        var token = Peek;
        if (token.Kind != kind) throw Error(token, $"unexpected {Describe(token)}, expected {what}");
        return Advance();
    }

    private bool IsWord(string word) => Peek.Kind == TokenKind.Identifier && string.Equals(Peek.Text, word, StringComparison.Ordinal);

    // Every nesting (parentheses, operands, arguments, the right side of an operator) passes through here.
    private Expr ParseExpression(int minPrecedence)
    {
        if (++_nesting > PromQlLimits.MaxDepth) throw TooDeep(Peek);
        var expr = ParseOperators(minPrecedence);
        _nesting--;
        return expr;
    }

    private Expr ParseOperators(int minPrecedence)
    {
        var left = ParseUnary();
        while (true)
        {
            var token = Peek;
            if (token.Kind == TokenKind.Identifier && token.Text == "atan2") throw Unsupported(token, "operator 'atan2'");
            if (!TryBinaryOperator(token, out var op)) return left;
            var precedence = Precedence(op);
            if (precedence < minPrecedence) return left;
            Advance();
            var returnBool = false;
            if (IsWord("bool"))
            {
                Advance();
                returnBool = true;
            }
            var matching = VectorMatching.Default;
            var explicitMatching = false;
            if (IsWord("on") || IsWord("ignoring"))
            {
                var on = Advance().Text == "on";
                matching = new VectorMatching(on, ParseLabelList());
                explicitMatching = true;
            }
            if (IsWord("group_left") || IsWord("group_right")) throw Unsupported(Peek, $"modifier '{Peek.Text}'");
            var right = ParseExpression(op == BinaryOperator.Pow ? precedence : precedence + 1);
            left = Bounded(MakeBinary(token, op, left, right, returnBool, matching, explicitMatching), token);
        }
    }

    private static Binary MakeBinary(Token token, BinaryOperator op, Expr left, Expr right, bool returnBool, VectorMatching matching, bool explicitMatching)
    {
        var binary = new Binary(token.Position + 1, op, left, right, returnBool, matching);
        if (left.Type is not (PromQlType.Scalar or PromQlType.Vector) || right.Type is not (PromQlType.Scalar or PromQlType.Vector))
            throw Error(token, "binary expression must contain only scalar and instant vector types");
        if (returnBool && !binary.IsComparison) throw Error(token, "bool modifier can only be used on comparison operators");
        if (binary.IsComparison && binary.Type == PromQlType.Scalar && !returnBool)
            throw Error(token, "comparisons between scalars must use BOOL modifier");
        if (binary.IsSetOperator && (left.Type == PromQlType.Scalar || right.Type == PromQlType.Scalar))
            throw Error(token, $"set operator \"{token.Text}\" not allowed in binary scalar expression");
        if (explicitMatching && (left.Type == PromQlType.Scalar || right.Type == PromQlType.Scalar))
            throw Error(token, "vector matching only allowed between instant vectors");
        return binary;
    }

    private Expr ParseUnary()
    {
        var token = Peek;
        if (token.Kind is not (TokenKind.Sub or TokenKind.Add)) return ParsePostfix(ParsePrimary());
        Advance();
        var operand = ParseExpression(Precedence(BinaryOperator.Pow));
        if (operand.Type is not (PromQlType.Scalar or PromQlType.Vector))
            throw Error(token, "unary expression only allowed on expressions of type scalar or instant vector");
        if (token.Kind == TokenKind.Add) return operand;
        return operand is NumberLiteral number ? number with { Position = token.Position + 1, Value = -number.Value } : Bounded(new Negation(token.Position + 1, operand), token);
    }

    /// <summary>A range, offset or @ after a primary expression.</summary>
    private Expr ParsePostfix(Expr expr)
    {
        if (Peek.Kind == TokenKind.LeftBracket)
        {
            var bracket = Advance();
            for (var k = 0; PeekAt(k).Kind is not (TokenKind.RightBracket or TokenKind.End); k++)
            {
                if (PeekAt(k).Kind == TokenKind.Colon) throw Unsupported(bracket, "subquery");
            }
            if (expr is not VectorSelector selector) throw Error(bracket, "ranges only allowed for vector selectors");
            var duration = Expect(TokenKind.Duration, "a duration such as 5m");
            if (!PrometheusDuration.TryParse(duration.Text, out var range))
                throw Error(duration, $"not a valid duration string: \"{duration.Text}\"");
            if (range <= TimeSpan.Zero) throw Error(duration, "duration must be greater than 0");
            Expect(TokenKind.RightBracket, "']'");
            expr = new MatrixSelector(selector.Position, selector, (long)range.TotalMilliseconds);
        }
        if (IsWord("offset")) throw Unsupported(Peek, "modifier 'offset'");
        if (Peek.Kind == TokenKind.At) throw Unsupported(Peek, "modifier '@'");
        return expr;
    }

    private Expr ParsePrimary()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new NumberLiteral(token.Position + 1, token.Number);
            case TokenKind.String:
                Advance();
                return new StringLiteral(token.Position + 1, token.Text);
            case TokenKind.LeftParen:
                Advance();
                var inner = ParseExpression(0);
                Expect(TokenKind.RightParen, "')'");
                return Bounded(new ParenExpr(token.Position + 1, inner), token);
            case TokenKind.LeftBrace:
                return ParseSelector(null, token);
            case TokenKind.Identifier:
                var next = PeekAt(1);
                var isAggregation = Aggregations.ContainsKey(token.Text) || UnsupportedAggregations.Contains(token.Text);
                if (isAggregation && (next.Kind == TokenKind.LeftParen || (next.Kind == TokenKind.Identifier && next.Text is "by" or "without")))
                    return ParseAggregation();
                if (next.Kind == TokenKind.LeftParen) return ParseCall();
                Advance();
                return ParseSelector(token.Text, token);
            default:
                throw Unexpected(token);
        }
    }

    private Aggregation ParseAggregation()
    {
        var name = Advance();
        if (!Aggregations.TryGetValue(name.Text, out var op)) throw Unsupported(name, $"aggregation '{name.Text}'");
        IReadOnlyList<string> grouping = [];
        var without = false;
        var grouped = false;
        if (IsWord("by") || IsWord("without"))
        {
            without = Advance().Text == "without";
            grouping = ParseLabelList();
            grouped = true;
        }
        Expect(TokenKind.LeftParen, "'('");
        if (Peek.Kind == TokenKind.RightParen) throw Error(Peek, "no arguments for aggregate expression provided");
        var operand = ParseExpression(0);
        if (Peek.Kind == TokenKind.Comma) throw Error(Peek, "wrong number of arguments for aggregate expression provided, expected 1, got more");
        Expect(TokenKind.RightParen, "')'");
        if (!grouped && (IsWord("by") || IsWord("without")))
        {
            without = Advance().Text == "without";
            grouping = ParseLabelList();
        }
        if (operand.Type != PromQlType.Vector)
            throw Error(name, $"expected type instant vector in aggregation expression, got {Describe(operand.Type)}");
        return Bounded(new Aggregation(name.Position + 1, op, operand, grouping, without), name);
    }

    private Call ParseCall()
    {
        var name = Advance();
        if (!Functions.TryGetValue(name.Text, out var function))
        {
            if (UnsupportedFunctions.Contains(name.Text)) throw Unsupported(name, $"function '{name.Text}'");
            throw new PromQlException($"unknown function '{name.Text}' at position {name.Position + 1}", name.Position + 1);
        }
        Expect(TokenKind.LeftParen, "'('");
        var args = new List<Expr>();
        if (Peek.Kind != TokenKind.RightParen)
        {
            while (true)
            {
                args.Add(ParseExpression(0));
                if (Peek.Kind != TokenKind.Comma) break;
                Advance();
            }
        }
        Expect(TokenKind.RightParen, "')' or ','");
        if (function.Function == PromQlFunction.Round && args.Count == 1) args.Add(new NumberLiteral(name.Position + 1, 1));
        if (args.Count != function.Args.Length)
            throw Error(name, $"expected {function.Args.Length} argument(s) in call to \"{name.Text}\", got {args.Count}");
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].Type != function.Args[i])
                throw Error(name, $"expected type {Describe(function.Args[i])} in call to function \"{name.Text}\", got {Describe(args[i].Type)}");
        }
        return Bounded(new Call(name.Position + 1, function.Function, args, function.Returns), name);
    }

    private VectorSelector ParseSelector(string? metricName, Token start)
    {
        var matchers = new List<LabelMatcher>();
        if (metricName is not null) matchers.Add(new LabelMatcher(LabelSet.MetricName, LabelMatchType.Equal, metricName));
        if (Peek.Kind == TokenKind.LeftBrace)
        {
            Advance();
            while (Peek.Kind != TokenKind.RightBrace)
            {
                var label = ExpectLabelName();
                var opToken = Advance();
                var type = opToken.Kind switch
                {
                    TokenKind.Assign => LabelMatchType.Equal,
                    TokenKind.NotEqual => LabelMatchType.NotEqual,
                    TokenKind.RegexMatch => LabelMatchType.Regex,
                    TokenKind.RegexNoMatch => LabelMatchType.NotRegex,
                    _ => throw Error(opToken, $"unexpected {Describe(opToken)} in label matching, expected one of \"=\", \"!=\", \"=~\" or \"!~\""),
                };
                var value = Expect(TokenKind.String, "a quoted string");
                if (metricName is not null && label.Text == LabelSet.MetricName)
                    throw Error(label, $"metric name must not be set twice: \"{metricName}\" or \"{value.Text}\"");
                try
                {
                    matchers.Add(new LabelMatcher(label.Text, type, value.Text));
                }
                catch (ArgumentException ex)
                {
                    throw Error(value, $"invalid regular expression \"{value.Text}\": {ex.Message}");
                }
                if (Peek.Kind == TokenKind.Comma) Advance();
                else if (Peek.Kind != TokenKind.RightBrace) throw Error(Peek, $"unexpected {Describe(Peek)} in label matching, expected \",\" or \"}}\"");
            }
            Advance();
        }
        var matchesSomething = false;
        foreach (var matcher in matchers) matchesSomething |= !matcher.Matches("");
        if (!matchesSomething) throw Error(start, "vector selector must contain at least one non-empty matcher");
        return new VectorSelector(start.Position + 1, matchers);
    }

    private List<string> ParseLabelList()
    {
        Expect(TokenKind.LeftParen, "'(' of a label list");
        var labels = new List<string>();
        while (Peek.Kind != TokenKind.RightParen)
        {
            labels.Add(ExpectLabelName().Text);
            if (Peek.Kind == TokenKind.Comma) Advance();
            else if (Peek.Kind != TokenKind.RightParen) throw Error(Peek, $"unexpected {Describe(Peek)} in grouping opts, expected \",\" or \")\"");
        }
        Advance();
        return labels;
    }

    // Metric names may hold colons, label names may not.
    private Token ExpectLabelName()
    {
        var token = Expect(TokenKind.Identifier, "a label name");
        if (token.Text.Contains(':', StringComparison.Ordinal)) throw Error(token, $"invalid label name \"{token.Text}\"");
        return token;
    }

    private static bool TryBinaryOperator(Token token, out BinaryOperator op)
    {
        (op, var ok) = token.Kind switch
        {
            TokenKind.Add => (BinaryOperator.Add, true),
            TokenKind.Sub => (BinaryOperator.Sub, true),
            TokenKind.Mul => (BinaryOperator.Mul, true),
            TokenKind.Div => (BinaryOperator.Div, true),
            TokenKind.Mod => (BinaryOperator.Mod, true),
            TokenKind.Pow => (BinaryOperator.Pow, true),
            TokenKind.EqualEqual => (BinaryOperator.Equal, true),
            TokenKind.NotEqual => (BinaryOperator.NotEqual, true),
            TokenKind.Greater => (BinaryOperator.Greater, true),
            TokenKind.Less => (BinaryOperator.Less, true),
            TokenKind.GreaterEqual => (BinaryOperator.GreaterEqual, true),
            TokenKind.LessEqual => (BinaryOperator.LessEqual, true),
            TokenKind.Identifier when token.Text == "and" => (BinaryOperator.And, true),
            TokenKind.Identifier when token.Text == "or" => (BinaryOperator.Or, true),
            TokenKind.Identifier when token.Text == "unless" => (BinaryOperator.Unless, true),
            _ => (BinaryOperator.Add, false),
        };
        return ok;
    }

    private static int Precedence(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => 1,
        BinaryOperator.And or BinaryOperator.Unless => 2,
        BinaryOperator.Add or BinaryOperator.Sub => 4,
        BinaryOperator.Mul or BinaryOperator.Div or BinaryOperator.Mod => 5,
        BinaryOperator.Pow => 6,
        _ => 3,
    };

    private static string Describe(PromQlType type) => type switch
    {
        PromQlType.Scalar => "scalar",
        PromQlType.Vector => "instant vector",
        PromQlType.Matrix => "range vector",
        _ => "string",
    };

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.Identifier => $"identifier \"{token.Text}\"",
        TokenKind.Number => $"number \"{token.Text}\"",
        TokenKind.String => $"string {LabelSet.Quote(token.Text)}",
        TokenKind.Duration => $"duration \"{token.Text}\"",
        _ => $"'{token.Text}'",
    };

    /// <summary>A chain of operators grows the tree without nesting the parser: its depth is checked as it is built.</summary>
    private T Bounded<T>(T node, Token at) where T : Expr => node.Depth > PromQlLimits.MaxDepth ? throw TooDeep(at) : node;

    private PromQlException TooDeep(Token at)
    {
        var (line, column) = LineAndColumn(_text, at.Position);
        return new($"parse error at position {at.Position + 1} (line {line}, column {column}): the expression is nested deeper than {PromQlLimits.MaxDepth} levels",
            at.Position + 1, PromQlErrorKind.TooDeep);
    }

    private static (int Line, int Column) LineAndColumn(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }
        return (line, index - lineStart + 1);
    }

    private static PromQlException Unexpected(Token token) =>
        token.Kind == TokenKind.Identifier && token.Text is "offset"
            ? Unsupported(token, "modifier 'offset'")
            : Error(token, $"unexpected {Describe(token)}");

    private static PromQlException Error(Token token, string message) =>
        new($"parse error at position {token.Position + 1}: {message}", token.Position + 1);

    private static PromQlException Unsupported(Token token, string construct) =>
        new($"unsupported {construct} at position {token.Position + 1}", token.Position + 1, PromQlErrorKind.Unsupported);
}
