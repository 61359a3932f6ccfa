using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

public sealed class ValidationSpecReaderTests
{
    private const string Origin = "orders.pipeline.json";

    /// <summary>Reads the Validation part of a JSON spec, as the pipeline spec reader will hand it over.</summary>
    private static ValidationSpec Read(string validationJson, string baseDirectory = "/specs")
    {
        var tree = (IReadOnlyDictionary<string, object?>)new JsonConfigurationFormat().Parse($$"""{ "Validation": {{validationJson}} }""", Origin)!;
        return ValidationSpecReader.Read((IReadOnlyDictionary<string, object?>)tree["Validation"]!, Origin, "Validation", baseDirectory);
    }

    private static ConfigurationException Refused(string validationJson) => Assert.Throws<ConfigurationException>(() => Read(validationJson));

    [Fact]
    public void A_full_spec_becomes_typed_rules()
    {
        var spec = Read("""
            {
              "Schema": "schemas/orders.schema.json",
              "Mode": "failfast",
              "Columns": {
                "id": { "Type": "integer", "Nullable": false, "Unique": true, "Required": true },
                "email": { "Pattern": "^[^@]+@[^@]+$", "MinLength": 3, "MaxLength": 254 },
                "qty": { "Type": "Integer", "Minimum": 1, "Maximum": "1000" },
                "price": { "Type": "decimal", "Minimum": "0.01" },
                "status": { "Allowed": ["new", "shipped"] },
                "priority": { "Type": "integer", "Allowed": [1, "2", 3] },
                "ordered": { "Type": "date", "Formats": ["dd.MM.yyyy"], "Minimum": "01.01.2020" },
                "note": "string"
              },
              "Expressions": ["ship_date >= order_date", "qty * price <= 100000"]
            }
            """);

        Assert.Equal(Path.GetFullPath("/specs/schemas/orders.schema.json"), spec.SchemaPath);
        Assert.Equal(ValidationMode.FailFast, spec.Mode);
        Assert.Equal(["id", "email", "qty", "price", "status", "priority", "ordered", "note"], spec.Columns.Select(c => c.Name));
        var id = spec.Columns[0];
        Assert.Equal((ColumnType.Integer, false, true, true), (id.Type, id.Nullable, id.Unique, id.Required));
        var email = spec.Columns[1];
        Assert.Equal(("^[^@]+@[^@]+$", 3, 254, (ColumnType?)null, true), (email.Pattern!.ToString(), email.MinLength, email.MaxLength, email.Type, email.Nullable));
        Assert.Equal((1L, 1000L), (spec.Columns[2].Minimum, spec.Columns[2].Maximum));
        Assert.Equal(0.01m, spec.Columns[3].Minimum);
        Assert.True(spec.Columns[4].Allowed!.SetEquals(["new", "shipped"]));
        Assert.True(spec.Columns[5].Allowed!.SetEquals([1L, 2L, 3L]));
        Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), spec.Columns[6].Minimum);
        Assert.Equal(ColumnType.String, spec.Columns[7].Type);
        Assert.Equal(["ship_date >= order_date", "qty * price <= 100000"], spec.Expressions.Select(e => e.Text));
    }

    [Fact]
    public void Defaults_are_lazy_nullable_and_no_schema()
    {
        var spec = Read("""{ "Columns": { "a": { "Type": "string" } } }""");

        Assert.Equal((ValidationMode.Lazy, (string?)null), (spec.Mode, spec.SchemaPath));
        Assert.Equal((true, false, false), (spec.Columns[0].Nullable, spec.Columns[0].Required, spec.Columns[0].Unique));
        Assert.Empty(spec.Expressions);
    }

    [Fact]
    public void An_unknown_type_names_its_path_and_the_choices() =>
        Assert.Equal(
            "orders.pipeline.json, key 'Validation.Columns.id.Type': 'integr' is not a type; expected one of string, integer, number, decimal, boolean, datetime, date",
            Refused("""{ "Columns": { "id": { "Type": "integr" } } }""").Message);

    [Theory]
    [InlineData("""{ "Colums": {} }""", "Validation.Colums", "unknown key")]
    [InlineData("""{ "Columns": { "id": { "Minimun": 1 } } }""", "Validation.Columns.id.Minimun", "unknown key")]
    [InlineData("""{ "Columns": { "id": 5 } }""", "Validation.Columns.id", "must be a map of rules or a type name, not a number")]
    [InlineData("""{ "Columns": { "id": "integr" } }""", "Validation.Columns.id", "'integr' is not a type")]
    [InlineData("""{ "Columns": { "qty": { "Minimum": 1 } } }""", "Validation.Columns.qty.Minimum", "declare the column's Type")]
    [InlineData("""{ "Columns": { "name": { "Type": "string", "Maximum": 5 } } }""", "Validation.Columns.name.Maximum", "use MinLength and MaxLength")]
    [InlineData("""{ "Columns": { "qty": { "Type": "integer", "Minimum": "ten" } } }""", "Validation.Columns.qty.Minimum", "'ten' is not an integer")]
    [InlineData("""{ "Columns": { "qty": { "Type": "integer", "Minimum": 1.5 } } }""", "Validation.Columns.qty.Minimum", "'1.5' is not an integer")]
    [InlineData("""{ "Columns": { "qty": { "Type": "integer", "Minimum": 9, "Maximum": 3 } } }""", "Validation.Columns.qty.Minimum", "9 is greater than Maximum 3")]
    [InlineData("""{ "Columns": { "s": { "MinLength": 9, "MaxLength": 3 } } }""", "Validation.Columns.s.MinLength", "9 is greater than MaxLength 3")]
    [InlineData("""{ "Columns": { "s": { "MaxLength": -1 } } }""", "Validation.Columns.s.MaxLength", "out of range")]
    [InlineData("""{ "Columns": { "s": { "Pattern": "[a-" } } }""", "Validation.Columns.s.Pattern", "'[a-' is not a valid regular expression")]
    [InlineData("""{ "Columns": { "p": { "Type": "integer", "Allowed": [1, "two"] } } }""", "Validation.Columns.p.Allowed[1]", "'two' is not an integer")]
    [InlineData("""{ "Columns": { "p": { "Allowed": [1, null] } } }""", "Validation.Columns.p.Allowed[1]", "'null' is not a value")]
    [InlineData("""{ "Columns": { "p": { "Type": "integer", "Formats": ["yyyy"] } } }""", "Validation.Columns.p.Formats", "datetime and date columns only")]
    [InlineData("""{ "Columns": { "d": { "Type": "date", "Minimum": "2024-02-30" } } }""", "Validation.Columns.d.Minimum", "'2024-02-30' is not a date")]
    [InlineData("""{ "Columns": { "f": { "Nullable": "maybe" } } }""", "Validation.Columns.f.Nullable", "must be true or false")]
    [InlineData("""{ "Mode": "eventually" }""", "Validation.Mode", "unknown validation mode 'eventually'; use one of Lazy, FailFast")]
    public void Errors_name_the_spec_path(string validationJson, string path, string fragment)
    {
        var error = Refused(validationJson);

        Assert.Equal((Origin, path), (error.Origin, error.Key));
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expression_that_does_not_parse_names_its_item_and_position()
    {
        var error = Refused("""{ "Expressions": ["a > 1", "ship_date >= "] }""");

        Assert.Equal("Validation.Expressions[1]", error.Key);
        Assert.Equal("orders.pipeline.json, key 'Validation.Expressions[1]': position 14: expected a value, found the end in 'ship_date >= '", error.Message);
    }

    [Fact]
    public void A_column_expression_that_does_not_parse_names_the_column()
    {
        var error = Refused("""{ "Columns": { "end": { "Expression": "end => start" } } }""");

        Assert.Equal("Validation.Columns.end.Expression", error.Key);
    }

    [Fact]
    public void Yaml_specs_read_the_same_way()
    {
        var tree = (IReadOnlyDictionary<string, object?>)new YamlConfigurationFormat().Parse("""
            Validation:
              Columns:
                id: { Type: integer, Nullable: false }
                score: { Type: number, Minimum: 0.5 }
              Expressions:
                - id > 0
            """, "p.yaml")!;

        var spec = ValidationSpecReader.Read((IReadOnlyDictionary<string, object?>)tree["Validation"]!, "p.yaml", "Validation", "/");

        Assert.Equal((ColumnType.Integer, false), (spec.Columns[0].Type, spec.Columns[0].Nullable));
        Assert.Equal(0.5, spec.Columns[1].Minimum);
        Assert.Equal("id > 0", Assert.Single(spec.Expressions).Text);
    }

    [Fact]
    public void The_spec_builds_a_validator_with_its_schema_file()
    {
        using var directory = new TempDirectory();
        directory.File("orders.schema.json", """{ "required": ["customer"], "properties": { "id": { "type": "integer" } } }""");
        var spec = Read("""{ "Schema": "orders.schema.json", "Columns": { "id": { "Type": "integer", "Unique": true } } }""", directory.Path);
        var validator = spec.CreateValidator();
        var shape = new RecordShape(["id", "customer"]);

        Assert.Empty(validator.Validate(new DataRecord(shape, ["1", "acme"], 1, "o.csv:2")));
        Assert.Equal(["unique"], validator.Validate(new DataRecord(shape, ["1", "acme"], 2, "o.csv:3")).Select(f => f.Rule));
        Assert.Equal(["schema:required"], validator.Validate(new DataRecord(new RecordShape(["id"]), ["2"], 3, "o.csv:4")).Select(f => f.Rule));
    }

    [Fact]
    public void An_invalid_schema_file_fails_when_the_validator_is_built()
    {
        using var directory = new TempDirectory();
        var path = directory.File("bad.schema.json", """{ "type": "integr" }""");
        var spec = Read("""{ "Schema": "bad.schema.json" }""", directory.Path);

        var error = Assert.Throws<ConfigurationException>(() => spec.CreateValidator());

        Assert.Equal((path, "/type"), (error.Origin, error.Key));
    }
}
