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
        if (!JsonSchemaTestSuite.IsPresent) return data;
        foreach (var name in JsonSchemaTestSuite.Cases.Keys.Where(n => !n.StartsWith("optional/", StringComparison.Ordinal)))
            data.Add(name);
        return data;
    }

    [JsonSchemaSuiteTheory]
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

    [JsonSchemaSuiteFact]
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

    [JsonSchemaSuiteFact]
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
