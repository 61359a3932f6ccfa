using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

/// <summary>Random and adversarial record expressions: a parsed expression or an ExpressionException; evaluation gives a value or a record's failure.</summary>
public sealed class RecordExpressionFuzzTests
{
    private static readonly string[] Corpus =
    [
        "ship_date == null or ship_date >= order_date", "status != 'test'", "quantity * unit_price", "quantity * unit_price <= 100000 and not (status == \"new\")",
        "(1 + 2) * 3 == 9", "-3 < -2 and 0.1 + 0.2 == 0.3", "'it''s' + \"x\" == `with spaces`", "2e3 == 2000 or TRUE And Not FALSE", "ship_date - order_date > 1.5",
    ];

    private static readonly string[] Tokens =
    [
        "(", ")", "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "=", "!", " and ", " or ", " not ", "null", "true", "'", "\"", "`",
        "quantity", "unit_price", "status", "order_date", "ship_date", "0", "1e308", "9999999999999999999999999999999", ".5", "1e", "0.0", " ",
    ];

    private static readonly DataRecord Order = new(
        new RecordShape(["quantity", "unit_price", "status", "order_date", "ship_date", "with spaces"]),
        [3L, 19.9m, "paid", new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero), null, "x"], 1, "orders.csv:2");

    [Fact]
    public void Mutated_and_deeply_nested_expressions_parse_and_evaluate_or_fail_with_their_typed_errors() =>
        new Fuzz(Corpus, Tokens, [("(", ")"), ("not ", ""), ("-", ""), ("x + ", ""), ("x > 1 and ", "")]).Run(2000, input =>
        {
            RecordExpression expression;
            try
            {
                expression = RecordExpression.ParseValue(input);
            }
            catch (ExpressionException)
            {
                return;
            }
            Fuzz.Allowing<ExpressionEvaluationException>(() => expression.EvaluateValue(Order));
            RecordExpression condition;
            try
            {
                condition = RecordExpression.Parse(input);
            }
            catch (ExpressionException)
            {
                return;
            }
            Fuzz.Allowing<ExpressionEvaluationException>(() => condition.Evaluate(Order));
        });
}
