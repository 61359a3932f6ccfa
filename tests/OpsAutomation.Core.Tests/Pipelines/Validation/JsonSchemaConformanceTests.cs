using OpsAutomation.Core.Pipelines;
using System.Text.Json;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Pipelines.Validation;
using Xunit.Abstractions;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

/// <summary>
/// Every draft 2020-12 test of the official JSON-Schema-Test-Suite, run through
/// <see cref="JsonSchemaValidator"/> (our wrapper: meta-schema check, private registry, no network).
/// </summary>
public sealed class JsonSchemaConformanceTests(ITestOutputHelper output)
{
    /// <summary>
    /// Required groups JsonSchema.Net 8.0.5 fails, with the reason. Each is still run: when one
    /// starts to pass, its test fails so that it leaves this list.
    /// </summary>
    private static readonly Dictionary<string, string> KnownFailures = new(StringComparer.Ordinal)
    {
        ["pattern.json / pattern with Unicode property escape requires unicode mode"] =
            @".NET Regex knows only the short Unicode category names (\p{L}), not ECMA-262's long ones (\p{Letter}): the library cannot build the schema",
        ["patternProperties.json / patternProperties with Unicode property escape"] =
            @".NET Regex knows only the short Unicode category names (\p{L}), not ECMA-262's long ones (\p{Letter}): the library cannot build the schema",
    };

    public static TheoryData<string> RequiredCases()
    {
        var data = new TheoryData<string>();
        foreach (var name in JsonSchemaTestSuite.Cases.Keys.Where(n => !n.StartsWith("optional/", StringComparison.Ordinal)))
            data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(RequiredCases))]
    public void Draft2020_12(string name)
    {
        var test = JsonSchemaTestSuite.Cases[name];
        var outcome = Run(test);

        if (KnownFailures.TryGetValue(test.Group, out var reason))
        {
            Assert.False(outcome.Valid == test.Valid && outcome.SchemaError is null,
                $"'{test.Group}' now passes: remove it from the known failures ({reason})");
            return;
        }
        Assert.True(outcome.SchemaError is null, $"the suite's schema was refused: {outcome.SchemaError}");
        Assert.Equal(test.Valid, outcome.Valid);
    }

    [Fact]
    public void Optional_tests_are_counted_and_never_crash_the_wrapper()
    {
        // Optional tests are not required of a validator: this reports how many pass. Format tests
        // stay out because format assertion is off (format is an annotation in 2020-12).
        var optional = JsonSchemaTestSuite.Cases.Values
            .Where(c => c.Name.StartsWith("optional/", StringComparison.Ordinal) && !c.Name.StartsWith("optional/format/", StringComparison.Ordinal))
            .ToList();
        var passed = 0;
        var failedGroups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var test in optional)
        {
            var outcome = Run(test);
            if (outcome.SchemaError is null && outcome.Valid == test.Valid) passed++;
            else failedGroups.Add(test.Group);
        }

        output.WriteLine($"optional (without format): {passed} of {optional.Count} passed");
        foreach (var group in failedGroups) output.WriteLine($"  failed: {group}");
        Assert.NotEmpty(optional);
    }

    [Fact]
    public void The_compiled_flat_check_agrees_with_the_suite_wherever_it_applies()
    {
        // The check compiled for flat schemas answers IsValid without the library; every suite
        // case whose schema it can compile is an independent test of it.
        var compiled = 0;
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var test in JsonSchemaTestSuite.Cases.Values.Where(c => !c.Name.StartsWith("optional/format/", StringComparison.Ordinal)))
        {
            if (FlatSchemaCheck.TryCompile(test.Schema) is not { } check) continue;
            compiled++;
            groups.Add(test.Group.Split(" / ")[0]);
            Assert.True(check.IsValid(test.Data) == test.Valid, $"the flat check says {(test.Valid ? "invalid" : "valid")} for '{test.Name}'");
        }

        output.WriteLine($"the flat check compiled the schema of {compiled} cases, from {string.Join(", ", groups)}");
        Assert.True(compiled > 100, $"only {compiled} suite cases reach the flat check");
    }

    [Fact]
    public void The_compiled_flat_check_on_record_values_agrees_with_the_suite()
    {
        // The same check applied to a record's values (as a JSON source gives them: numbers as
        // long, or double, or decimal) must reach the suite's verdict, or say it cannot tell.
        var decided = 0;
        foreach (var test in JsonSchemaTestSuite.Cases.Values.Where(c => !c.Name.StartsWith("optional/format/", StringComparison.Ordinal)))
        {
            if (test.Data.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                // A schema for one value: as the schema of a record's only field, it must judge the field alike.
                var field = test.Schema.ValueKind == JsonValueKind.Object
                    ? "{" + string.Join(",", test.Schema.EnumerateObject().Where(k => k.Name != "$schema").Select(k => JsonSerializer.Serialize(k.Name) + ":" + k.Value.GetRawText())) + "}"
                    : test.Schema.GetRawText();
                using var wrapped = JsonDocument.Parse($$"""{ "properties": { "v": {{field}} } }""");
                if (FlatSchemaCheck.TryCompile(wrapped.RootElement) is not { } fieldCheck) continue;
                foreach (var asDecimal in new[] { false, true })
                {
                    if (!Exact(test.Data, asDecimal)) continue;
                    var single = new OpsAutomation.Core.Pipelines.DataRecord(new(["v"]), [Scalar(test.Data, asDecimal)], 1, test.Name);
                    if (fieldCheck.IsValid(single) is not { } fieldVerdict) continue;
                    decided++;
                    Assert.True(fieldVerdict == test.Valid, $"on a record value the flat check says {(fieldVerdict ? "valid" : "invalid")} for '{test.Name}'");
                }
                continue;
            }
            if (test.Data.ValueKind != JsonValueKind.Object || FlatSchemaCheck.TryCompile(test.Schema) is not { } check) continue;
            var members = test.Data.EnumerateObject().ToList();
            if (members.Any(m => m.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)) continue;
            var shape = new OpsAutomation.Core.Pipelines.RecordShape([.. members.Select(m => m.Name)]);
            foreach (var asDecimal in new[] { false, true })
            {
                if (!members.All(m => Exact(m.Value, asDecimal))) continue;
                var record = new OpsAutomation.Core.Pipelines.DataRecord(shape, [.. members.Select(m => Scalar(m.Value, asDecimal))], 1, test.Name);
                if (check.IsValid(record) is not { } verdict) continue;
                decided++;
                Assert.True(verdict == test.Valid, $"on record values the flat check says {(verdict ? "valid" : "invalid")} for '{test.Name}'");
            }
        }

        output.WriteLine($"the flat check decided {decided} suite instances from record values");
        Assert.True(decided > 200, $"only {decided} suite instances were decided from record values");
    }

    /// <summary>Whether the number survives the trip to a .NET value (a source would lose the digits of 2^64 - 1 in a double too).</summary>
    private static bool Exact(JsonElement value, bool asDecimal) =>
        value.ValueKind != JsonValueKind.Number || value.TryGetInt64(out _)
        || (value.TryGetDecimal(out var exact) && (asDecimal || (decimal.TryParse(value.GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var viaDouble) && viaDouble == exact)));

    private static object? Scalar(JsonElement value, bool asDecimal) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var integer) => integer,
        JsonValueKind.Number when asDecimal && value.TryGetDecimal(out var exact) => exact,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>Builds the schema through the wrapper and evaluates both ways (flag and detailed), which must agree.</summary>
    private static (bool Valid, string? SchemaError) Run(SuiteCase test)
    {
        JsonSchemaValidator validator;
        try
        {
            validator = JsonSchemaValidator.Build(test.Schema, test.Name, JsonSchemaTestSuite.Remotes);
        }
        catch (ConfigurationException ex)
        {
            return (false, ex.Message);
        }

        var valid = validator.IsValid(test.Data);
        var violations = validator.Explain(test.Data);
        Assert.True(valid == (violations.Count == 0),
            $"flag output says {(valid ? "valid" : "invalid")} but the detailed output lists {violations.Count} violations: {JsonSerializer.Serialize(violations)}");
        return (valid, null);
    }
}
