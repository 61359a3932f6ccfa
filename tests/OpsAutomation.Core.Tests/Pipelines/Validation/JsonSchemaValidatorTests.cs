using System.Text.Json;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

public sealed class JsonSchemaValidatorTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static ConfigurationException Refused(string schema) =>
        Assert.Throws<ConfigurationException>(() => JsonSchemaValidator.Parse(schema, "orders.schema.json"));

    [Fact]
    public void Text_that_is_not_json_names_the_file_and_line()
    {
        var error = Refused("{\n  \"type\": \"object\",\n  \"properties\": {\n}");

        Assert.Equal("orders.schema.json", error.Origin);
        Assert.Equal(4, error.Line);
        Assert.StartsWith("orders.schema.json, line 4: the JSON Schema is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "type": 5 }""", "/type", "'type' must be either a string or an array of strings")]
    [InlineData("""{ "properties": { "id": { "type": "integr" } } }""", "/properties/id/type", "'integr' is not a valid JSON Schema value type")]
    [InlineData("""{ "minimum": "ten" }""", "/minimum", "'minimum' value must be a number")]
    [InlineData("""{ "required": "id" }""", "/required", "'required' value must be an array")]
    public void A_schema_that_breaks_the_meta_schema_is_located(string schema, string location, string reason)
    {
        var error = Refused(schema);

        Assert.Equal(location, error.Key);
        Assert.Contains($"not a valid JSON Schema (meta-schema https://json-schema.org/draft/2020-12/schema): at {location}: {reason}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_meta_schema_violation_the_library_would_accept_is_refused_too()
    {
        // maxLength must be a non-negative integer: the meta-schema says so.
        var error = Refused("""{ "maxLength": -1 }""");

        Assert.Equal("/maxLength", error.Key);
    }

    [Fact]
    public void A_pattern_that_is_not_a_regular_expression_is_refused()
    {
        var error = Refused("""{ "properties": { "code": { "pattern": "[A-Z" } } }""");

        Assert.Contains("not a usable JSON Schema", error.Message, StringComparison.Ordinal);
        Assert.Contains("[A-Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_array_is_not_a_schema() =>
        Assert.Contains("a schema is an object or true/false, not array", Refused("[1, 2]").Message, StringComparison.Ordinal);

    [Fact]
    public void An_unknown_meta_schema_is_refused()
    {
        var error = Refused("""{ "$schema": "https://schemas.example/custom", "type": "object" }""");

        Assert.Equal("/$schema", error.Key);
        Assert.Contains("'https://schemas.example/custom' is not a meta-schema this validator knows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_reference_is_never_downloaded()
    {
        // The host would answer if asked: nothing may ask it.
        await using var server = new FaultServer(body: """{ "type": "string" }""", contentType: "application/schema+json");
        var validator = JsonSchemaValidator.Parse($$"""{ "$ref": "http://127.0.0.1:{{server.Port}}/remote.json" }""", "s.json");

        Assert.Throws<ConfigurationException>(() => validator.IsValid(Json("1")));
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public void Registered_resources_resolve_references()
    {
        var resources = new SchemaResources();
        resources.Add(new Uri("https://schemas.example/money.json"), """{ "type": "number", "minimum": 0 }""", "money.json");
        var validator = JsonSchemaValidator.Parse("""{ "properties": { "price": { "$ref": "https://schemas.example/money.json" } } }""", "s.json", resources);

        Assert.True(validator.IsValid(Json("""{ "price": 3 }""")));
        Assert.False(validator.IsValid(Json("""{ "price": -3 }""")));
    }

    [Fact]
    public void A_bad_resource_names_its_origin()
    {
        var error = Assert.Throws<ConfigurationException>(() => new SchemaResources().Add(new Uri("https://schemas.example/x.json"), "{ nope", "shared/x.json"));

        Assert.Equal("shared/x.json", error.Origin);
    }

    [Fact]
    public void Explain_lists_each_failing_keyword_with_its_location()
    {
        var validator = JsonSchemaValidator.Parse("""
            { "type": "object", "required": ["id"], "properties": { "tags": { "type": "array", "items": { "type": "string" } } } }
            """, "s.json");

        var violations = validator.Explain(Json("""{ "tags": ["a", 2] }"""));

        Assert.Equal([("required", ""), ("type", "/tags/1")], violations.Select(v => (v.Keyword, v.InstanceLocation)).Order().ToList());
        Assert.Empty(validator.Explain(Json("""{ "id": 1 }""")));
    }

    [Fact]
    public void Keywords_that_fail_without_a_message_are_still_named()
    {
        var validator = JsonSchemaValidator.Parse("""{ "properties": { "a": { "not": { "type": "integer" } } } }""", "s.json");

        var violation = Assert.Single(validator.Explain(Json("""{ "a": 1 }""")));

        Assert.Equal(("not", "/a"), (violation.Keyword, violation.InstanceLocation));
    }

    [Fact]
    public void Load_names_a_missing_file()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "missing.schema.json");

        var error = Assert.Throws<ConfigurationException>(() => JsonSchemaValidator.Load(path));

        Assert.Equal(path, error.Origin);
        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_reads_a_schema_file()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "s.schema.json");
        File.WriteAllText(path, """{ "type": "integer" }""");

        var validator = JsonSchemaValidator.Load(path);

        Assert.True(validator.IsValid(Json("3")));
        Assert.False(validator.IsValid(Json("\"3\"")));
    }
}
