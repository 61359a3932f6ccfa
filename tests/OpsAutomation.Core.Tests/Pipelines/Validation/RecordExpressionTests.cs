using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Validation;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

public sealed class RecordExpressionTests
{
    private static DataRecord Record(params (string Name, object? Value)[] fields) =>
        new(new RecordShape([.. fields.Select(f => f.Name)]), [.. fields.Select(f => f.Value)], 1, "test:1");

    private static bool? Evaluate(string text, params (string Name, object? Value)[] fields) =>
        RecordExpression.Parse(text).Evaluate(Record(fields));

    [Theory]
    [InlineData("1 + 2 * 3 == 7", true)]
    [InlineData("(1 + 2) * 3 == 9", true)]
    [InlineData("10 - 4 - 3 == 3", true)]
    [InlineData("7 / 2 == 3.5", true)]
    [InlineData("-3 < -2", true)]
    [InlineData("0.1 + 0.2 == 0.3", true)]
    [InlineData("'a' + 'b' == 'ab'", true)]
    [InlineData("'it''s' == \"it's\"", true)]
    [InlineData("not 1 > 2", true)]
    [InlineData("1 < 2 and 2 < 3 or false", true)]
    [InlineData("false or false and true", false)]
    [InlineData("TRUE And Not FALSE", true)]
    [InlineData("2e3 == 2000", true)]
    public void Literals_follow_arithmetic_and_logic_precedence(string text, bool expected) => Assert.Equal(expected, Evaluate(text));

    [Fact]
    public void Fields_are_read_from_the_record()
    {
        var order = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
        const string text = "ship_date >= order_date and quantity * unit_price <= 100000";
        Assert.Equal(true, Evaluate(text, ("order_date", order), ("ship_date", order.AddDays(2)), ("quantity", 10L), ("unit_price", 99.5m)));
        Assert.Equal(false, Evaluate(text, ("order_date", order), ("ship_date", order.AddDays(-1)), ("quantity", 10L), ("unit_price", 99.5m)));
        Assert.Equal(false, Evaluate(text, ("order_date", order), ("ship_date", order), ("quantity", 2000L), ("unit_price", 50.01m)));
        Assert.Equal(["ship_date", "order_date", "quantity", "unit_price"], RecordExpression.Parse(text).Fields);
    }

    [Fact]
    public void Backticks_quote_field_names_with_spaces() =>
        Assert.Equal(true, Evaluate("`unit price` > 5", ("unit price", 6L)));

    [Fact]
    public void Dates_compare_with_iso_strings_and_subtract_to_days()
    {
        var day = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(true, Evaluate("d >= '2024-01-01'", ("d", day)));
        Assert.Equal(true, Evaluate("e - d <= 30", ("d", day), ("e", day.AddDays(30))));
        Assert.Equal(false, Evaluate("e - d <= 30", ("d", day), ("e", day.AddDays(31))));
    }

    [Fact]
    public void Numbers_of_different_types_compare_by_value()
    {
        Assert.Equal(true, Evaluate("a == b", ("a", 2L), ("b", 2.0)));
        Assert.Equal(true, Evaluate("a == b", ("a", 2L), ("b", 2.00m)));
        Assert.Equal(true, Evaluate("a * a > 0", ("a", long.MaxValue)));
    }

    [Theory]
    [InlineData("x > 1")]
    [InlineData("x + 1 == 2")]
    [InlineData("x > 1 and true")]
    [InlineData("not x > 1")]
    [InlineData("x == 2")]
    [InlineData("x != 2")]
    public void Null_makes_a_condition_unknown(string text) => Assert.Null(Evaluate(text, ("x", null)));

    [Fact]
    public void Null_follows_three_valued_logic_and_equality_tests_for_it()
    {
        Assert.Equal(false, Evaluate("x > 1 and false", ("x", null)));
        Assert.Equal(true, Evaluate("x > 1 or true", ("x", null)));
        Assert.Equal(true, Evaluate("x == null", ("x", null)));
        Assert.Equal(false, Evaluate("x != null", ("x", null)));
        Assert.Equal(true, Evaluate("x != null", ("x", 3L)));
        Assert.Equal(true, Evaluate("null == x", ("x", null)));
    }

    [Theory]
    [InlineData("", 1, "empty")]
    [InlineData("a >", 4, "expected a value, found the end")]
    [InlineData("a > > 1", 5, "expected a value, found '>'")]
    [InlineData("a = 1", 3, "compare with '=='")]
    [InlineData("(a > 1", 7, "expected ')' to close the '(' at position 1")]
    [InlineData("a > 1)", 6, "unexpected ')'")]
    [InlineData("name == 'x", 9, "no closing '")]
    [InlineData("1 < a < 3", 7, "do not chain")]
    [InlineData("a > 12abc", 5, "'12a' is not a number")]
    [InlineData("a + 1", 3, "must be a condition")]
    [InlineData("a > 1 and", 10, "expected a value, found the end")]
    [InlineData("a $ 1", 3, "unexpected '$'")]
    [InlineData("`a > 1", 1, "no closing `")]
    public void Syntax_errors_name_the_position(string text, int position, string fragment)
    {
        var error = Assert.Throws<ExpressionException>(() => RecordExpression.Parse(text));
        Assert.Equal(position, error.Position);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"position {position}: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a > 5", "cannot compare the string abc with the number 5 using '>'")]
    [InlineData("a * 2 > 1", "cannot apply '*' to the string abc and the number 2")]
    [InlineData("a and true", "'and' needs true or false, not the string abc")]
    [InlineData("b / 0 > 1", "division by zero")]
    [InlineData("a", "gave the string abc, not true or false")]
    [InlineData("missing > 1", "the record has no field 'missing'")]
    public void Evaluation_errors_say_what_met_what(string text, string message)
    {
        var error = Assert.Throws<ExpressionEvaluationException>(() => Evaluate(text, ("a", "abc"), ("b", 4L)));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void One_parsed_expression_serves_records_of_different_shapes()
    {
        var expression = RecordExpression.Parse("x > 1");
        Assert.Equal(true, expression.Evaluate(Record(("x", 2L))));
        Assert.Equal(false, expression.Evaluate(Record(("y", 5L), ("x", 1L))));
        Assert.Equal(true, expression.Evaluate(Record(("x", 3L))));
    }

    // By name, so that test discovery does not carry the 100,000-level texts.
    private static readonly Dictionary<string, Func<int, string>> DeepShapes = new()
    {
        ["parentheses"] = levels => new string('(', levels) + "x > 1" + new string(')', levels),
        ["not"] = levels => string.Concat(Enumerable.Repeat("not ", levels)) + "true",
        ["unary minus"] = levels => new string('-', levels) + "x > 1",
        ["a chain of additions"] = levels => string.Join(" + ", Enumerable.Repeat("x", levels)) + " > 1",
        ["a chain of and"] = levels => string.Join(" and ", Enumerable.Repeat("x > 1", levels)),
    };

    public static TheoryData<string> DeepExpressions => [.. DeepShapes.Keys];

    [Theory]
    [MemberData(nameof(DeepExpressions))]
    public void Deep_nesting_is_a_located_error_naming_the_limit(string shape)
    {
        var text = DeepShapes[shape](100_000);
        var error = Assert.Throws<ExpressionException>(() => RecordExpression.Parse(text));

        Assert.Contains($"nested deeper than {RecordExpression.MaxDepth} levels (line 1, column {error.Position})", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 400, $"{shape}: the message quotes an excerpt, not the whole expression: {error.Message.Length} characters");
    }

    [Fact]
    public void Nesting_up_to_the_limit_parses_and_evaluates()
    {
        var text = string.Join(" + ", Enumerable.Repeat("x", RecordExpression.MaxDepth - 1)) + " > 1";

        Assert.Equal(true, Evaluate(text, ("x", 1L)));
    }
}
