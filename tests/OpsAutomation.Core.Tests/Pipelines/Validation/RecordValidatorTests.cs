using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

public sealed class RecordValidatorTests
{
    private static readonly RecordShape Orders = new(["id", "email", "qty", "price", "status", "order_date", "ship_date"]);

    private static DataRecord Order(long position, object? id, string? email = "a@b.example", string? qty = "1", string? price = "9.99",
        string? status = "new", string? orderDate = "2024-03-01", string? shipDate = "2024-03-02") =>
        new(Orders, [id, email, qty, price, status, orderDate, shipDate], position, $"orders.csv:{position + 1}");

    private static RecordValidator Validator(ValidationMode mode = ValidationMode.Lazy, JsonSchemaValidator? schema = null, params string[] expressions) => new(
        schema,
        [
            new ColumnRule { Name = "id", Type = ColumnType.Integer, Nullable = false, Unique = true },
            new ColumnRule { Name = "email", Pattern = new Regex("^[^@]+@[^@]+$"), MaxLength = 20 },
            new ColumnRule { Name = "qty", Type = ColumnType.Integer, Minimum = 1L, Maximum = 1000L },
            new ColumnRule { Name = "price", Type = ColumnType.Decimal, Minimum = 0m },
            new ColumnRule { Name = "status", Allowed = new HashSet<object> { "new", "shipped" } },
            new ColumnRule { Name = "order_date", Type = ColumnType.Date },
            new ColumnRule { Name = "ship_date", Type = ColumnType.Date },
        ],
        [.. expressions.Select(RecordExpression.Parse)],
        mode);

    [Fact]
    public void A_valid_record_has_no_failures_and_its_values_are_coerced_in_place()
    {
        var record = Order(1, " 42 ", qty: "3", price: "19.90");

        Assert.Empty(Validator().Validate(record));
        Assert.Equal(42L, record["id"]);
        Assert.Equal(3L, record["qty"]);
        Assert.Equal(19.90m, record["price"]);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero), record["order_date"]);
        Assert.Equal("a@b.example", record["email"]);
    }

    [Fact]
    public void Lazy_mode_reports_every_failure_of_the_record()
    {
        var record = Order(7, "x1", email: "no-at-sign", qty: "0", price: "-1", status: "lost");

        var failures = Validator().Validate(record);

        Assert.Equal(
            [("id", "type"), ("email", "pattern"), ("qty", "range"), ("price", "range"), ("status", "allowed")],
            failures.Select(f => (f.Field!, f.Rule)).ToList());
        Assert.All(failures, f => Assert.Equal((7L, "orders.csv:8", (string?)null), (f.Position, f.Location, f.RunId)));
        Assert.Equal("x1", failures[0].Value);
        Assert.Equal("'x1' is not an integer", failures[0].Message);
        Assert.Equal("0 is less than the minimum 1", failures[2].Message);
        Assert.Equal("'lost' is not one of the allowed values: new, shipped", failures[4].Message);
    }

    [Fact]
    public void Fail_fast_mode_stops_at_the_first_failure()
    {
        var record = Order(7, "x1", email: "no-at-sign", qty: "0");

        var failure = Assert.Single(Validator(ValidationMode.FailFast).Validate(record));

        Assert.Equal(("id", "type"), (failure.Field, failure.Rule));
    }

    [Fact]
    public void A_non_nullable_column_refuses_null_and_blank_text()
    {
        var validator = Validator();

        Assert.Equal("nullable", Assert.Single(validator.Validate(Order(1, null))).Rule);
        var blank = Assert.Single(validator.Validate(Order(2, "  ")));
        Assert.Equal(("id", "nullable", (string?)null), (blank.Field, blank.Rule, blank.Value));
    }

    [Fact]
    public void Nullable_columns_skip_their_other_checks_for_a_missing_value() =>
        Assert.Empty(Validator().Validate(Order(1, 5L, email: null, qty: "", price: null, status: null)));

    [Fact]
    public void A_required_field_must_be_in_the_record()
    {
        var validator = new RecordValidator(null, [new ColumnRule { Name = "id", Required = true }, new ColumnRule { Name = "note", Type = ColumnType.String }], [], ValidationMode.Lazy);
        var record = new DataRecord(new RecordShape(["other"]), ["x"], 3, "in.jsonl:3");

        var failure = Assert.Single(validator.Validate(record));

        Assert.Equal(("id", "required", "the record has no field 'id'"), (failure.Field, failure.Rule, failure.Message));
    }

    [Fact]
    public void Length_counts_characters_not_utf16_units()
    {
        var validator = new RecordValidator(null, [new ColumnRule { Name = "s", MinLength = 2, MaxLength = 3 }], [], ValidationMode.Lazy);
        DataRecord Text(string s) => new(new RecordShape(["s"]), [s], 1, "t:1");

        Assert.Empty(validator.Validate(Text("😀😀😀")));
        Assert.Equal("'😀😀😀😀' has 4 characters; the maximum is 3", Assert.Single(validator.Validate(Text("😀😀😀😀"))).Message);
        Assert.Equal("length", Assert.Single(validator.Validate(Text("a"))).Rule);
    }

    [Fact]
    public void The_pattern_matches_anywhere_unless_anchored()
    {
        var validator = new RecordValidator(null,
            [new ColumnRule { Name = "a", Pattern = new Regex("[0-9]") }, new ColumnRule { Name = "b", Pattern = new Regex("^[0-9]+$") }], [], ValidationMode.Lazy);

        var failure = Assert.Single(validator.Validate(new DataRecord(new RecordShape(["a", "b"]), ["x1y", "1x"], 1, "t:1")));

        Assert.Equal(("b", "pattern"), (failure.Field, failure.Rule));
    }

    [Fact]
    public void Unique_values_repeat_across_records_of_the_run()
    {
        var validator = Validator();

        Assert.Empty(validator.Validate(Order(1, "10")));
        Assert.Empty(validator.Validate(Order(2, "11")));
        var failure = Assert.Single(validator.Validate(Order(3, "10")));

        Assert.Equal(("id", "unique", "10"), (failure.Field, failure.Rule, failure.Value));
        Assert.Equal("'10' appeared in an earlier record of this run", failure.Message);
    }

    [Fact]
    public void Unique_compares_coerced_values()
    {
        var validator = Validator();

        Assert.Empty(validator.Validate(Order(1, "7")));
        Assert.Equal("unique", Assert.Single(validator.Validate(Order(2, " +7"))).Rule);
    }

    [Fact]
    public void A_rejected_record_does_not_make_a_later_one_a_duplicate()
    {
        var validator = Validator();

        Assert.Equal("range", Assert.Single(validator.Validate(Order(1, "10", qty: "0"))).Rule);
        Assert.Empty(validator.Validate(Order(2, "10")));
    }

    [Fact]
    public void A_record_failing_on_a_second_unique_column_forgets_the_first()
    {
        var validator = new RecordValidator(null,
            [new ColumnRule { Name = "a", Unique = true }, new ColumnRule { Name = "b", Unique = true }], [], ValidationMode.Lazy);
        var shape = new RecordShape(["a", "b"]);

        Assert.Empty(validator.Validate(new DataRecord(shape, ["a1", "b1"], 1, "t:1")));
        Assert.Equal("b", Assert.Single(validator.Validate(new DataRecord(shape, ["a2", "b1"], 2, "t:2"))).Field);
        Assert.Empty(validator.Validate(new DataRecord(shape, ["a2", "b2"], 3, "t:3")));
    }

    [Fact]
    public void Unique_holds_across_threads()
    {
        var validator = new RecordValidator(null, [new ColumnRule { Name = "id", Type = ColumnType.Integer, Unique = true }], [], ValidationMode.Lazy);
        var shape = new RecordShape(["id"]);
        var failures = 0;

        Parallel.For(0, 20_000, i =>
        {
            if (validator.Validate(new DataRecord(shape, [(i % 5_000).ToString(System.Globalization.CultureInfo.InvariantCulture)], i + 1, $"t:{i}")).Count > 0)
                Interlocked.Increment(ref failures);
        });

        Assert.Equal(15_000, failures);
    }

    [Fact]
    public void Expressions_run_on_coerced_values_and_name_no_field()
    {
        var validator = Validator(ValidationMode.Lazy, null, "ship_date >= order_date", "qty * price <= 100");

        Assert.Empty(validator.Validate(Order(1, "1", qty: "10", price: "10.00")));
        var failures = validator.Validate(Order(2, "2", qty: "11", price: "10.00", shipDate: "2024-02-28"));

        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal(("expression", (string?)null), (f.Rule, f.Field)));
        Assert.Equal("'ship_date >= order_date' is false", failures[0].Message);
        Assert.Equal("ship_date=2024-02-28, order_date=2024-03-01", failures[0].Value);
    }

    [Fact]
    public void An_expression_over_a_field_that_failed_its_type_is_skipped()
    {
        var failure = Assert.Single(Validator(ValidationMode.Lazy, null, "ship_date >= order_date").Validate(Order(1, "1", shipDate: "soon")));

        Assert.Equal(("ship_date", "type"), (failure.Field, failure.Rule));
    }

    [Fact]
    public void An_expression_that_cannot_be_evaluated_is_a_failure_of_the_record()
    {
        var failure = Assert.Single(Validator(ValidationMode.Lazy, null, "email > 5").Validate(Order(1, "1")));

        Assert.Equal("'email > 5' cannot be evaluated: cannot compare the string a@b.example with the number 5 using '>'", failure.Message);
    }

    [Fact]
    public void A_column_expression_reports_against_its_column()
    {
        var validator = new RecordValidator(null,
            [new ColumnRule { Name = "end", Type = ColumnType.Integer, Expression = RecordExpression.Parse("end >= start") }, new ColumnRule { Name = "start", Type = ColumnType.Integer }],
            [], ValidationMode.Lazy);

        var failure = Assert.Single(validator.Validate(new DataRecord(new RecordShape(["start", "end"]), ["5", "3"], 1, "t:1")));

        Assert.Equal(("end", "expression"), (failure.Field, failure.Rule));
    }

    [Fact]
    public void Long_values_are_cut_to_200_characters()
    {
        var failure = Assert.Single(Validator().Validate(Order(1, new string('9', 500))));

        Assert.Equal(200, failure.Value!.Length);
        Assert.EndsWith("...", failure.Value, StringComparison.Ordinal);
    }

    private static JsonSchemaValidator OrderSchema() => JsonSchemaValidator.Parse("""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "required": ["id", "customer"],
          "properties": {
            "id": { "type": "integer", "minimum": 1 },
            "qty": { "type": "integer", "multipleOf": 1 },
            "price": { "type": "number", "exclusiveMaximum": 1000 },
            "order_date": { "type": "string", "format": "date" }
          }
        }
        """, "orders.schema.json");

    [Fact]
    public void The_schema_sees_the_coerced_record()
    {
        // id and qty are CSV text; coerced to integers first, they satisfy "type": "integer".
        var validator = new RecordValidator(OrderSchema(),
            [new ColumnRule { Name = "id", Type = ColumnType.Integer }, new ColumnRule { Name = "qty", Type = ColumnType.Integer }, new ColumnRule { Name = "price", Type = ColumnType.Decimal }],
            [], ValidationMode.Lazy);
        var record = new DataRecord(new RecordShape(["id", "customer", "qty", "price"]), ["5", "acme", "2", "12.50"], 1, "t:1");

        Assert.Empty(validator.Validate(record));
    }

    [Fact]
    public void Schema_failures_carry_the_keyword_field_and_value()
    {
        var validator = new RecordValidator(OrderSchema(), [new ColumnRule { Name = "id", Type = ColumnType.Integer }, new ColumnRule { Name = "price", Type = ColumnType.Number }], [], ValidationMode.Lazy);
        var record = new DataRecord(new RecordShape(["id", "price"]), ["0", "1500"], 4, "t:5");

        var failures = validator.Validate(record).OrderBy(f => f.Rule, StringComparer.Ordinal).ToList();

        Assert.Equal(
            [("schema:exclusiveMaximum", "price", "1500"), ("schema:minimum", "id", "0"), ("schema:required", null, null)],
            failures.Select(f => (f.Rule, f.Field, f.Value)).ToList());
        Assert.Contains("customer", failures[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_failures_at_a_field_that_already_failed_are_not_repeated()
    {
        var validator = new RecordValidator(OrderSchema(), [new ColumnRule { Name = "id", Type = ColumnType.Integer }], [], ValidationMode.Lazy);

        var failure = Assert.Single(validator.Validate(new DataRecord(new RecordShape(["id", "customer"]), ["abc", "acme"], 1, "t:1")));

        Assert.Equal(("id", "type"), (failure.Field, failure.Rule));
    }

    [Fact]
    public void Dates_reach_the_schema_as_iso_dates()
    {
        var schema = JsonSchemaValidator.Parse("""{ "properties": { "d": { "type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$" } } }""", "s.json");
        var validator = new RecordValidator(schema, [new ColumnRule { Name = "d", Type = ColumnType.Date, Formats = ["dd.MM.yyyy"] }], [], ValidationMode.Lazy);

        Assert.Empty(validator.Validate(new DataRecord(new RecordShape(["d"]), ["01.03.2024"], 1, "t:1")));
    }

    [Theory]
    [InlineData("""{ "properties": { "d": { "type": "string" } } }""", ColumnType.DateTime, true)]
    [InlineData("""{ "properties": { "d": { "type": "integer" } } }""", ColumnType.Date, false)]
    [InlineData("""{ "properties": { "d": { "type": "string", "maxLength": 10 } } }""", ColumnType.Date, true)]
    [InlineData("""{ "properties": { "d": { "type": "string", "maxLength": 10 } } }""", ColumnType.DateTime, false)]
    [InlineData("""{ "properties": { "d": { "enum": ["2024-03-01"] } } }""", ColumnType.Date, true)]
    public void A_flat_schema_judges_dates_by_their_json_text(string schemaText, ColumnType type, bool valid)
    {
        var validator = new RecordValidator(JsonSchemaValidator.Parse(schemaText, "s.json"), [new ColumnRule { Name = "d", Type = type }], [], ValidationMode.Lazy);

        var failures = validator.Validate(new DataRecord(new RecordShape(["d"]), ["2024-03-01"], 1, "t:1"));

        Assert.Equal(valid, failures.Count == 0);
    }

    [Fact]
    public void A_reference_that_does_not_resolve_is_a_configuration_error_not_a_record_failure()
    {
        var schema = JsonSchemaValidator.Parse("""{ "properties": { "a": { "$ref": "#/$defs/missing" } } }""", "broken.schema.json");
        var validator = new RecordValidator(schema, [], [], ValidationMode.Lazy);

        var error = Assert.Throws<ConfigurationException>(() => validator.Validate(new DataRecord(new RecordShape(["a"]), [1L], 1, "t:1")));

        Assert.StartsWith("broken.schema.json: the JSON Schema cannot be evaluated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_range_bound_of_another_type_than_the_column_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new RecordValidator(null, [new ColumnRule { Name = "q", Type = ColumnType.Integer, Minimum = 1.5 }], [], ValidationMode.Lazy));

        Assert.Contains("column 'q'", error.Message, StringComparison.Ordinal);
    }
}
