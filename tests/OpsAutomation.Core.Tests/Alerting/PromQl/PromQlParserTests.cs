using OpsAutomation.Core.Alerting.Rules.PromQl;

namespace OpsAutomation.Core.Tests.Alerting.PromQl;

public sealed class PromQlParserTests
{
    private static Expr Unwrap(Expr expr) => expr is ParenExpr paren ? Unwrap(paren.Inner) : expr;

    private static string Shape(Expr expr) => Unwrap(expr) switch
    {
        NumberLiteral n => n.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        VectorSelector s => s.Matchers[0].Value,
        MatrixSelector m => $"{m.Selector.Matchers[0].Value}[{m.RangeMs}]",
        Negation n => $"(-{Shape(n.Operand)})",
        Binary b => $"({Shape(b.Left)} {b.Operator}{(b.ReturnBool ? " bool" : "")} {Shape(b.Right)})",
        Aggregation a => $"{a.Operator}{(a.Without ? " without" : " by")}({string.Join(",", a.Grouping)})({Shape(a.Operand)})",
        Call c => $"{c.Function}({string.Join(", ", c.Args.Select(Shape))})",
        var other => other.GetType().Name,
    };

    [Theory]
    [InlineData("a + b * c", "(a Add (b Mul c))")]
    [InlineData("a * b + c", "((a Mul b) Add c)")]
    [InlineData("a - b - c", "((a Sub b) Sub c)")]
    [InlineData("a / b / c", "((a Div b) Div c)")]
    [InlineData("a ^ b ^ c", "(a Pow (b Pow c))")]
    [InlineData("a * b ^ c", "(a Mul (b Pow c))")]
    [InlineData("-a ^ b", "(-(a Pow b))")]
    [InlineData("-a * b", "((-a) Mul b)")]
    [InlineData("a + b > c", "((a Add b) Greater c)")]
    [InlineData("a > bool b + 1", "(a Greater bool (b Add 1))")]
    [InlineData("a and b > c", "(a And (b Greater c))")]
    [InlineData("a or b and c", "(a Or (b And c))")]
    [InlineData("a or b unless c", "(a Or (b Unless c))")]
    [InlineData("a unless b and c", "((a Unless b) And c)")]
    [InlineData("(a + b) * c", "((a Add b) Mul c)")]
    [InlineData("a % b * c", "((a Mod b) Mul c)")]
    [InlineData("-1", "-1")]
    [InlineData("- - 2", "2")]
    [InlineData("+a", "a")]
    public void Operators_follow_Prometheus_precedence_and_associativity(string expression, string shape) =>
        Assert.Equal(shape, Shape(Parser.Parse(expression)));

    [Theory]
    [InlineData("sum by (job) (rate(x[5m]))", "Sum by(job)(Rate(x[300000]))")]
    [InlineData("sum(rate(x[5m])) by (job, instance)", "Sum by(job,instance)(Rate(x[300000]))")]
    [InlineData("avg without (instance) (x)", "Avg without(instance)(x)")]
    [InlineData("count(x) without (a,)", "Count without(a)(x)")]
    [InlineData("max(x)", "Max by()(x)")]
    [InlineData("quantile_over_time(0.9, x[1h30m])", "QuantileOverTime(0.9, x[5400000])")]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))", "HistogramQuantile(0.99, Sum by(le)(Rate(x_bucket[300000])))")]
    [InlineData("absent(up{job=\"a\"})", "Absent(up)")]
    [InlineData("time()", "Time()")]
    public void Aggregations_and_calls_parse(string expression, string shape) =>
        Assert.Equal(shape, Shape(Parser.Parse(expression)));

    [Theory]
    [InlineData("x[1ms]", 1)]
    [InlineData("x[30s]", 30_000)]
    [InlineData("x[5m]", 300_000)]
    [InlineData("x[2h]", 7_200_000)]
    [InlineData("x[1d]", 86_400_000)]
    [InlineData("x[1w]", 604_800_000)]
    [InlineData("x[1y]", 31_536_000_000)]
    [InlineData("x[1h30m]", 5_400_000)]
    [InlineData("x[1m30s500ms]", 90_500)]
    public void Range_durations_take_Prometheus_units_and_combinations(string expression, long milliseconds)
    {
        var call = (Call)Parser.Parse($"rate({expression})");
        Assert.Equal(milliseconds, ((MatrixSelector)call.Args[0]).RangeMs);
    }

    [Theory]
    [InlineData("1e3", 1000)]
    [InlineData("0x1F", 31)]
    [InlineData("010", 8)]
    [InlineData("17", 17)]
    [InlineData("0777777777777777777777777", 777777777777777777777777.0)]
    [InlineData(".5", 0.5)]
    [InlineData("1.5e-3", 0.0015)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("-inf", double.NegativeInfinity)]
    [InlineData("NaN", double.NaN)]
    public void Number_literals_parse_as_in_Prometheus(string expression, double value) =>
        Assert.Equal(value, ((NumberLiteral)Parser.Parse(expression)).Value);

    [Fact]
    public void Selector_matchers_keep_their_operators_and_unquote_strings()
    {
        var selector = (VectorSelector)Parser.Parse("http_requests_total{job=\"api\", code!=\"200\", path=~'/v1/.*', env!~`dev|test`, q=\"a\\\"b\\n\"}");

        Assert.Equal(
            [
                new LabelMatcher("__name__", LabelMatchType.Equal, "http_requests_total"), new LabelMatcher("job", LabelMatchType.Equal, "api"),
                new LabelMatcher("code", LabelMatchType.NotEqual, "200"), new LabelMatcher("path", LabelMatchType.Regex, "/v1/.*"),
                new LabelMatcher("env", LabelMatchType.NotRegex, "dev|test"), new LabelMatcher("q", LabelMatchType.Equal, "a\"b\n"),
            ],
            selector.Matchers);
    }

    [Theory]
    [InlineData("sum(x", "parse error at position 6: unexpected end of input, expected ')'", 6)]
    [InlineData("x +", "parse error at position 4: unexpected end of input", 4)]
    [InlineData("rate(x[5m]))", "parse error at position 12: unexpected ')'", 12)]
    [InlineData("", "parse error at position 1: no expression found in input", 1)]
    [InlineData("{job=~\".*\"}", "parse error at position 1: vector selector must contain at least one non-empty matcher", 1)]
    [InlineData("x{a=\"b\"", "parse error at position 8: unexpected end of input in label matching", 8)]
    [InlineData("x{a=b}", "parse error at position 5: unexpected identifier \"b\", expected a quoted string", 5)]
    [InlineData("x{a=~\"(\"}", "parse error at position 6: invalid regular expression \"(\"", 6)]
    [InlineData("x{a=~\"(a)\\\\1\"}", "parse error at position 6: invalid regular expression \"(a)\\1\"", 6)]
    [InlineData("x{a=~\"(?=a)a\"}", "parse error at position 6: invalid regular expression \"(?=a)a\"", 6)]
    [InlineData("rate(x[0s])", "parse error at position 8: duration must be greater than 0", 8)]
    [InlineData("sum(x) by (job) by (a)", "parse error at position 17: unexpected identifier \"by\"", 17)]
    [InlineData("rate(x[5x])", "parse error at position 8: not a valid duration string: \"5x\"", 8)]
    [InlineData("rate(x[30m1h])", "parse error at position 8: not a valid duration string: \"30m1h\"", 8)]
    [InlineData("rate(x)", "parse error at position 1: expected type range vector in call to function \"rate\", got instant vector", 1)]
    [InlineData("rate(x[5m], 1)", "parse error at position 1: expected 1 argument(s) in call to \"rate\", got 2", 1)]
    [InlineData("sum(x[5m])", "parse error at position 1: expected type instant vector in aggregation expression, got range vector", 1)]
    [InlineData("1 > 2", "parse error at position 3: comparisons between scalars must use BOOL modifier", 3)]
    [InlineData("x + bool 1", "parse error at position 3: bool modifier can only be used on comparison operators", 3)]
    [InlineData("x and 1", "parse error at position 3: set operator \"and\" not allowed in binary scalar expression", 3)]
    [InlineData("x + on(a) 1", "parse error at position 3: vector matching only allowed between instant vectors", 3)]
    [InlineData("x[5m] + 1", "parse error at position 7: binary expression must contain only scalar and instant vector types", 7)]
    [InlineData("(x)[5m]", "parse error at position 4: ranges only allowed for vector selectors", 4)]
    [InlineData("x{__name__=\"y\"}", "parse error at position 3: metric name must not be set twice: \"x\" or \"y\"", 3)]
    [InlineData("x{a:b=\"1\"}", "parse error at position 3: invalid label name \"a:b\"", 3)]
    [InlineData("sum by (a:b) (x)", "parse error at position 9: invalid label name \"a:b\"", 9)]
    [InlineData("x $ 1", "parse error at position 3: unexpected character '$'", 3)]
    [InlineData("x > 5m", "parse error at position 5: unexpected duration \"5m\"", 5)]
    [InlineData("x{a=\"b}", "parse error at position 5: unterminated quoted string", 5)]
    [InlineData("nosuchfunc(x)", "unknown function 'nosuchfunc' at position 1", 1)]
    public void Syntax_and_type_errors_name_the_problem_and_position(string expression, string message, int position)
    {
        var error = Assert.Throws<PromQlException>(() => Parser.Parse(expression));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(position, error.Position);
    }

    [Theory]
    [InlineData("predict_linear(x[1h], 3600) < 0", "unsupported function 'predict_linear' at position 1")]
    [InlineData("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")", "unsupported function 'label_replace' at position 1")]
    [InlineData("x > 1 and sgn(x) > 1", "unsupported function 'sgn' at position 11")]
    [InlineData("absent_over_time(x[5m])", "unsupported function 'absent_over_time' at position 1")]
    [InlineData("holt_winters(x[5m], 0.5, 0.5)", "unsupported function 'holt_winters' at position 1")]
    [InlineData("changes(x[5m])", "unsupported function 'changes' at position 1")]
    [InlineData("topk(3, x)", "unsupported aggregation 'topk' at position 1")]
    [InlineData("bottomk by (a) (3, x)", "unsupported aggregation 'bottomk' at position 1")]
    [InlineData("quantile(0.9, x)", "unsupported aggregation 'quantile' at position 1")]
    [InlineData("count_values(\"v\", x)", "unsupported aggregation 'count_values' at position 1")]
    [InlineData("stddev(x)", "unsupported aggregation 'stddev' at position 1")]
    [InlineData("group(x)", "unsupported aggregation 'group' at position 1")]
    [InlineData("x offset 5m", "unsupported modifier 'offset' at position 3")]
    [InlineData("rate(x[5m] offset 1h)", "unsupported modifier 'offset' at position 12")]
    [InlineData("x @ 1700000000", "unsupported modifier '@' at position 3")]
    [InlineData("x @ start()", "unsupported modifier '@' at position 3")]
    [InlineData("max_over_time(rate(x[5m])[1h:5m])", "unsupported subquery at position 26")]
    [InlineData("x[1h:]", "unsupported subquery at position 2")]
    [InlineData("x * on(a) group_left(b) y", "unsupported modifier 'group_left' at position 11")]
    [InlineData("x / ignoring(a) group_right y", "unsupported modifier 'group_right' at position 17")]
    [InlineData("atan2(x, y)", "unknown function 'atan2' at position 1")]
    [InlineData("x atan2 y", "unsupported operator 'atan2' at position 3")]
    public void Constructs_outside_the_subset_fail_by_name(string expression, string message)
    {
        var error = Assert.Throws<PromQlException>(() => PromQlEngine.Validate(expression));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("predict_linear(x[1h], 3600) < 0")]
    [InlineData("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")")]
    [InlineData("label_join(x, \"a\", \",\", \"b\", \"c\", \"d\")")]
    [InlineData("hour() > 3 and day_of_week(x) == 1")]
    [InlineData("topk(3, x) or bottomk by (a) (3, x) or quantile(0.9, x) or count_values(\"v\", x) or stddev(x) or group(x)")]
    [InlineData("x offset 5m @ 1700000000 > x @ start() offset -1h")]
    [InlineData("max_over_time(rate(x[5m])[1h:5m] offset 1d)")]
    [InlineData("x * on(a) group_left(b) y / ignoring(a) group_right y")]
    [InlineData("x atan2 y")]
    public void Check_accepts_what_the_engine_leaves_out(string expression)
    {
        Assert.Equal(PromQlErrorKind.Unsupported, Assert.Throws<PromQlException>(() => PromQlEngine.Validate(expression)).Kind);

        PromQlEngine.CheckSyntax(expression);
    }

    [Theory]
    [InlineData("topk(x)", "wrong number of arguments for aggregate expression provided, expected 2, got 1")]
    [InlineData("count_values(1, x)", "expected type string in aggregation parameter, got scalar")]
    [InlineData("x and on(a) group_left y", "no grouping allowed for \"and\" operation")]
    [InlineData("x * on(a) group_left(a) y", "label \"a\" must not occur in ON and GROUP clause at once")]
    [InlineData("(x) offset 5m", "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")]
    [InlineData("x offset 5m offset 1m", "offset may not be set multiple times")]
    [InlineData("x offset 5m [5m]", "no offset modifiers allowed before range")]
    [InlineData("x offset 0s", "duration must be greater than 0")]
    [InlineData("x[1h:1m][5m]", "ranges only allowed for vector selectors")]
    [InlineData("x[5m][1h:1m]", "subquery is only allowed on instant vector, got range vector instead")]
    [InlineData("label_join(x, \"a\")", "expected at least 3 argument(s) in call to \"label_join\", got 2")]
    [InlineData("hour(x, x)", "expected at most 1 argument(s) in call to \"hour\", got 2")]
    [InlineData("predict_linear(x, 1)", "expected type range vector in call to function \"predict_linear\", got instant vector")]
    [InlineData("x{a=\"\\uD800\"}", "invalid Unicode code point in escape sequence")]
    public void Check_reports_the_errors_Prometheus_reports_outside_the_subset(string expression, string message)
    {
        var error = Assert.Throws<PromQlException>(() => PromQlEngine.CheckSyntax(expression));

        Assert.Equal(PromQlErrorKind.Syntax, error.Kind);
        Assert.EndsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_fails_only_with_PromQlException()
    {
        const string Alphabet = "ab_:0159.xe+-*/%^=!~<>(){}[],@\"'` #\\sumbyratemoinf";
        var random = new Random(20261130);
        for (var i = 0; i < 5000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(1, 24)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
            try
            {
                Parser.Parse(text);
            }
            catch (PromQlException)
            {
            }
        }
    }

    [Fact]
    public void Keywords_and_aggregations_are_case_insensitive_as_in_Prometheus() =>
        Assert.Equal("(Sum by(job)(x) And x)", Shape(Parser.Parse("SUM BY (job) (x) AND x")));

    [Fact]
    public void Keywords_and_comments_do_not_confuse_metric_names()
    {
        Assert.Equal("(sum_total Add count_total)", Shape(Parser.Parse("sum_total + count_total # a comment")));
        Assert.Equal("((-foo) Mul 2)", Shape(Parser.Parse("-foo * 2")));
    }

    // By name, so that test discovery does not carry the 100,000-level texts.
    private static readonly Dictionary<string, Func<int, string>> DeepShapes = new()
    {
        ["parentheses"] = levels => new string('(', levels) + "1" + new string(')', levels),
        ["unary minus"] = levels => string.Concat(Enumerable.Repeat("-(", levels)) + "up" + new string(')', levels),
        ["unary minus without parentheses"] = levels => new string('-', levels) + "up",
        ["calls"] = levels => string.Concat(Enumerable.Repeat("abs(", levels)) + "up" + new string(')', levels),
        ["aggregations"] = levels => string.Concat(Enumerable.Repeat("sum(", levels)) + "up" + new string(')', levels),
        ["power (right-associative)"] = levels => string.Join(" ^ ", Enumerable.Repeat("2", levels)),
        ["a chain of additions"] = levels => string.Join(" + ", Enumerable.Repeat("up", levels)),
        ["a chain of or"] = levels => string.Join(" or ", Enumerable.Repeat("up", levels)),
    };

    public static TheoryData<string> DeepExpressions => [.. DeepShapes.Keys];

    [Theory]
    [MemberData(nameof(DeepExpressions))]
    public void Deep_nesting_is_a_located_error_naming_the_limit(string shape)
    {
        var expression = DeepShapes[shape](100_000);
        var error = Assert.Throws<PromQlException>(() => Parser.Parse(expression));

        Assert.Equal(PromQlErrorKind.TooDeep, error.Kind);
        Assert.Contains($"deeper than {PromQlLimits.MaxDepth} levels", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"line 1, column \d+", error.Message);
        Assert.InRange(error.Position, 1, expression.Length);
    }

    [Fact]
    public void Nesting_up_to_the_limit_parses_and_evaluates()
    {
        // Each level is a ParenExpr over the next; the innermost number is one more level.
        var levels = PromQlLimits.MaxDepth - 1;
        var expression = new string('(', levels) + "1" + new string(')', levels);

        var parsed = Parser.Parse(expression);

        Assert.Equal(PromQlLimits.MaxDepth, parsed.Depth);
        var result = new PromQlEngine(new SeriesStore()).Query(expression, DateTimeOffset.UnixEpoch);
        Assert.Null(result.Error);
    }

    [Fact]
    public void The_depth_error_names_the_line_and_column_of_a_multi_line_expression()
    {
        var expression = "sum(\n  " + new string('(', 300) + "up" + new string(')', 300) + ")";

        var error = Assert.Throws<PromQlException>(() => Parser.Parse(expression));

        Assert.Contains("line 2, column", error.Message, StringComparison.Ordinal);
    }
}
