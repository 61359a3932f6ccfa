namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>
/// Recursive descent over <see cref="Lexer"/>'s tokens with Prometheus's precedence: or &lt; and
/// unless &lt; comparisons &lt; + - &lt; * / % &lt; ^ (right-associative), unary minus binding
/// like * (so -2^2 is -4). Types are checked as Prometheus's parser checks them; constructs
/// outside the subset are refused by name. <see cref="Check"/> parses the whole language of
/// Prometheus 2.42 (promtool's), subset or not, to judge a rule file's expressions as promtool does.
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

    // Prometheus 2.42's functions this engine does not evaluate: refused as unsupported rather than
    // unknown, and checked (argument count and types, as Prometheus's checkAST) by Check.
    // Variadic: 0 exactly the arguments; n > 0 the last argument optional up to n times; -1 the last repeated freely.
    private static readonly Dictionary<string, (PromQlType[] Args, int Variadic, PromQlType Returns)> OtherFunctions = Signatures();

    private static Dictionary<string, (PromQlType[] Args, int Variadic, PromQlType Returns)> Signatures()
    {
        PromQlType[] v = [PromQlType.Vector], m = [PromQlType.Matrix];
        var table = new Dictionary<string, (PromQlType[], int, PromQlType)>(StringComparer.Ordinal);
        foreach (var name in (string[])["acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh",
                     "deg", "rad", "exp", "ln", "log10", "log2", "sqrt", "sgn", "sort", "sort_desc", "timestamp", "histogram_count", "histogram_sum"])
            table[name] = (v, 0, PromQlType.Vector);
        foreach (var name in (string[])["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"])
            table[name] = (v, 1, PromQlType.Vector);
        foreach (var name in (string[])["absent_over_time", "changes", "deriv", "idelta", "resets"])
            table[name] = (m, 0, PromQlType.Vector);
        table["histogram_fraction"] = ([PromQlType.Scalar, PromQlType.Scalar, PromQlType.Vector], 0, PromQlType.Vector);
        table["holt_winters"] = ([PromQlType.Matrix, PromQlType.Scalar, PromQlType.Scalar], 0, PromQlType.Vector);
        table["predict_linear"] = ([PromQlType.Matrix, PromQlType.Scalar], 0, PromQlType.Vector);
        table["label_replace"] = ([PromQlType.Vector, PromQlType.String, PromQlType.String, PromQlType.String, PromQlType.String], 0, PromQlType.Vector);
        table["label_join"] = ([PromQlType.Vector, PromQlType.String, PromQlType.String, PromQlType.String], -1, PromQlType.Vector);
        table["pi"] = ([], 0, PromQlType.Scalar);
        return table;
    }

    // Aggregations and keywords are case-insensitive in Prometheus (SUM by (job) (x) is valid); function names are not.
    private static readonly Dictionary<string, AggregateOperator> Aggregations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sum"] = AggregateOperator.Sum, ["avg"] = AggregateOperator.Avg, ["min"] = AggregateOperator.Min,
        ["max"] = AggregateOperator.Max, ["count"] = AggregateOperator.Count,
    };

    // The parameter each aggregation outside the subset takes first, if any.
    private static readonly Dictionary<string, PromQlType?> OtherAggregations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["group"] = null, ["stddev"] = null, ["stdvar"] = null,
        ["topk"] = PromQlType.Scalar, ["bottomk"] = PromQlType.Scalar, ["quantile"] = PromQlType.Scalar, ["count_values"] = PromQlType.String,
    };

    // Keywords Prometheus's grammar never takes for a metric name (the others, such as sum, by and
    // offset, may be one); any of them may be a label name, except without in a grouping list.
    private static readonly HashSet<string> NotMetricNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "bool", "on", "ignoring", "group_left", "group_right", "atan2",
    };

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _index;
    private int _nesting;

    // Check: parse what the engine leaves out instead of refusing it; the tree is only for type checking then.
    private readonly bool _wholeLanguage;

    private Parser(string text, bool wholeLanguage)
    {
        _text = text;
        _tokens = Lexer.Tokenize(text);
        _wholeLanguage = wholeLanguage;
    }

    /// <summary>Parses an expression of the subset the engine evaluates.</summary>
    /// <exception cref="PromQlException">A syntax error, a construct outside the subset, or nesting deeper than <see cref="PromQlLimits.MaxDepth"/>.</exception>
    public static Expr Parse(string text) => Parse(text, wholeLanguage: false);

    /// <summary>Checks an expression as Prometheus 2.42's parser does, whether or not the engine evaluates it.</summary>
    /// <exception cref="PromQlException">A syntax or type error (<see cref="PromQlErrorKind.Syntax"/>), or nesting deeper than the limit.</exception>
    public static void Check(string text) => Parse(text, wholeLanguage: true);

    private static Expr Parse(string text, bool wholeLanguage)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text, wholeLanguage);
        if (parser.Peek.Kind == TokenKind.End) throw new PromQlException("parse error at position 1: no expression found in input", 1);
        var expr = parser.ParseExpression(0);
        if (parser.Peek.Kind != TokenKind.End) throw parser.Unexpected(parser.Peek);
        return expr;
    }

    /// <summary>A construct outside the subset: refused when parsing for the engine, parsed when checking.</summary>
    private void Outside(Token token, string construct)
    {
        if (!_wholeLanguage) throw Unsupported(token, construct);
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

    private bool IsWord(string word) => IsWord(Peek, word);

    private static bool IsWord(Token token, string word) => token.Kind == TokenKind.Identifier && string.Equals(token.Text, word, StringComparison.OrdinalIgnoreCase);

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
            if (IsWord(token, "atan2")) Outside(token, "operator 'atan2'");
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
                var on = IsWord(Advance(), "on");
                matching = new VectorMatching(on, ParseLabelList());
                explicitMatching = true;
            }
            if (IsWord("group_left") || IsWord("group_right"))
            {
                var group = Advance();
                Outside(group, $"modifier '{group.Text}'");
                if (op is BinaryOperator.And or BinaryOperator.Or or BinaryOperator.Unless)
                    throw Error(group, $"no grouping allowed for \"{token.Text}\" operation");
                if (Peek.Kind == TokenKind.LeftParen)
                {
                    foreach (var label in ParseLabelList())
                        if (matching.On && matching.Labels.Contains(label))
                            throw Error(group, $"label \"{label}\" must not occur in ON and GROUP clause at once");
                }
                explicitMatching = true;
            }
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

    /// <summary>Ranges, subqueries, offset and @ after a primary expression, in any order Prometheus's grammar allows.</summary>
    private Expr ParsePostfix(Expr expr)
    {
        Token? offset = null, at = null;
        while (true)
        {
            var token = Peek;
            if (token.Kind == TokenKind.LeftBracket)
            {
                expr = ParseRangeOrSubquery(expr, offset ?? at);
                offset = at = null;
                continue;
            }
            if (IsWord(token, "offset"))
            {
                Outside(token, "modifier 'offset'");
                Advance();
                if (offset is not null) throw Error(token, "offset may not be set multiple times");
                if (Peek.Kind is TokenKind.Sub or TokenKind.Add) Advance();
                ExpectDuration(allowZero: false);
                offset = token;
            }
            else if (token.Kind == TokenKind.At)
            {
                Outside(token, "modifier '@'");
                Advance();
                if (at is not null) throw Error(token, "@ <timestamp> may not be set multiple times");
                if (IsWord("start") || IsWord("end"))
                {
                    Advance();
                    Expect(TokenKind.LeftParen, "'('");
                    Expect(TokenKind.RightParen, "')'");
                }
                else
                {
                    if (Peek.Kind is TokenKind.Sub or TokenKind.Add) Advance();
                    Expect(TokenKind.Number, "a timestamp");
                }
                at = token;
            }
            else
            {
                return expr;
            }
            if (expr is not (VectorSelector or MatrixSelector or Unevaluated { Type: PromQlType.Matrix }))
                throw Error(token, $"{(token.Kind == TokenKind.At ? "@" : "offset")} modifier must be preceded by an instant vector selector or range vector selector or a subquery");
        }
    }

    /// <summary>[range] on a selector without modifiers, or [range:step] (a subquery) on any instant vector expression.</summary>
    private Expr ParseRangeOrSubquery(Expr expr, Token? modifier)
    {
        var bracket = Advance();
        var range = ExpectDuration(allowZero: false);
        if (Peek.Kind == TokenKind.Colon)
        {
            Outside(bracket, "subquery");
            Advance();
            if (Peek.Kind == TokenKind.Duration) ExpectDuration(allowZero: false);
            Expect(TokenKind.RightBracket, "']'");
            if (expr.Type != PromQlType.Vector)
                throw Error(bracket, $"subquery is only allowed on instant vector, got {Describe(expr.Type)} instead");
            return Bounded(new Unevaluated(expr.Position, PromQlType.Matrix, [expr]), bracket);
        }
        Expect(TokenKind.RightBracket, "']'");
        if (expr is not VectorSelector selector) throw Error(bracket, "ranges only allowed for vector selectors");
        if (modifier is { } before)
            throw Error(before, $"no {(before.Kind == TokenKind.At ? "@" : "offset")} modifiers allowed before range");
        return new MatrixSelector(selector.Position, selector, (long)range.TotalMilliseconds);
    }

    private TimeSpan ExpectDuration(bool allowZero)
    {
        var duration = Expect(TokenKind.Duration, "a duration such as 5m");
        if (!PrometheusDuration.TryParse(duration.Text, out var span))
            throw Error(duration, $"not a valid duration string: \"{duration.Text}\"");
        if (!allowZero && span <= TimeSpan.Zero) throw Error(duration, "duration must be greater than 0");
        return span;
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
                var isAggregation = Aggregations.ContainsKey(token.Text) || OtherAggregations.ContainsKey(token.Text);
                if (isAggregation && (next.Kind == TokenKind.LeftParen || IsWord(next, "by") || IsWord(next, "without")))
                    return ParseAggregation();
                if (next.Kind == TokenKind.LeftParen) return ParseCall();
                if (NotMetricNames.Contains(token.Text)) throw Error(token, $"unexpected {Describe(token)}");
                Advance();
                return ParseSelector(token.Text, token);
            default:
                throw Unexpected(token);
        }
    }

    private Expr ParseAggregation()
    {
        var name = Advance();
        var supported = Aggregations.TryGetValue(name.Text, out var op);
        if (!supported) Outside(name, $"aggregation '{name.Text}'");
        var parameter = supported ? null : OtherAggregations[name.Text];
        IReadOnlyList<string> grouping = [];
        var without = false;
        var grouped = false;
        if (IsWord("by") || IsWord("without"))
        {
            without = IsWord(Advance(), "without");
            grouping = ParseLabelList();
            grouped = true;
        }
        Expect(TokenKind.LeftParen, "'('");
        if (Peek.Kind == TokenKind.RightParen) throw Error(Peek, "no arguments for aggregate expression provided");
        var arguments = new List<Expr> { ParseExpression(0) };
        while (Peek.Kind == TokenKind.Comma)
        {
            Advance();
            arguments.Add(ParseExpression(0));
        }
        Expect(TokenKind.RightParen, "')'");
        var expected = parameter is null ? 1 : 2;
        if (arguments.Count != expected)
            throw Error(name, $"wrong number of arguments for aggregate expression provided, expected {expected}, got {arguments.Count}");
        if (!grouped && (IsWord("by") || IsWord("without")))
        {
            without = IsWord(Advance(), "without");
            grouping = ParseLabelList();
        }
        var operand = arguments[^1];
        if (operand.Type != PromQlType.Vector)
            throw Error(name, $"expected type instant vector in aggregation expression, got {Describe(operand.Type)}");
        if (parameter is { } type && arguments[0].Type != type)
            throw Error(name, $"expected type {Describe(type)} in aggregation parameter, got {Describe(arguments[0].Type)}");
        return supported
            ? Bounded(new Aggregation(name.Position + 1, op, operand, grouping, without), name)
            : Bounded(new Unevaluated(name.Position + 1, PromQlType.Vector, arguments), name);
    }

    private Expr ParseCall()
    {
        var name = Advance();
        PromQlType[] types;
        int variadic;
        PromQlType returns;
        var supported = Functions.TryGetValue(name.Text, out var function);
        if (supported)
        {
            // round's second argument (to_nearest) is optional, as in Prometheus.
            (types, variadic, returns) = (function.Args, function.Function == PromQlFunction.Round ? 1 : 0, function.Returns);
        }
        else if (OtherFunctions.TryGetValue(name.Text, out var other))
        {
            Outside(name, $"function '{name.Text}'");
            (types, variadic, returns) = other;
        }
        else
        {
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
        CheckArguments(name, types, variadic, args);
        if (!supported) return Bounded(new Unevaluated(name.Position + 1, returns, args), name);
        if (function.Function == PromQlFunction.Round && args.Count == 1) args.Add(new NumberLiteral(name.Position + 1, 1));
        return Bounded(new Call(name.Position + 1, function.Function, args, returns), name);
    }

    // Prometheus's checkAST for calls: the count first, then each argument's type.
    private static void CheckArguments(Token name, PromQlType[] types, int variadic, List<Expr> args)
    {
        if (variadic == 0 && args.Count != types.Length)
            throw Error(name, $"expected {types.Length} argument(s) in call to \"{name.Text}\", got {args.Count}");
        if (variadic != 0 && args.Count < types.Length - 1)
            throw Error(name, $"expected at least {types.Length - 1} argument(s) in call to \"{name.Text}\", got {args.Count}");
        if (variadic > 0 && args.Count > types.Length - 1 + variadic)
            throw Error(name, $"expected at most {types.Length - 1 + variadic} argument(s) in call to \"{name.Text}\", got {args.Count}");
        for (var i = 0; i < args.Count; i++)
        {
            var expected = types[Math.Min(i, types.Length - 1)];
            if (args[i].Type != expected)
                throw Error(name, $"expected type {Describe(expected)} in call to function \"{name.Text}\", got {Describe(args[i].Type)}");
        }
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
            if (IsWord("without")) throw Error(Peek, $"unexpected {Describe(Peek)} in grouping opts, expected a label name");
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
            _ when IsWord(token, "and") => (BinaryOperator.And, true),
            _ when IsWord(token, "or") => (BinaryOperator.Or, true),
            _ when IsWord(token, "unless") => (BinaryOperator.Unless, true),
            // Only Check gets here with atan2: an arithmetic operator of *'s precedence and types, never evaluated.
            _ when IsWord(token, "atan2") => (BinaryOperator.Mul, true),
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

    private PromQlException Unexpected(Token token) =>
        IsWord(token, "offset") && !_wholeLanguage
            ? Unsupported(token, "modifier 'offset'")
            : Error(token, $"unexpected {Describe(token)}");

    private static PromQlException Error(Token token, string message) =>
        new($"parse error at position {token.Position + 1}: {message}", token.Position + 1);

    private static PromQlException Unsupported(Token token, string construct) =>
        new($"unsupported {construct} at position {token.Position + 1}", token.Position + 1, PromQlErrorKind.Unsupported);
}
