using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.UnitTesting;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Tests.Configuration;

/// <summary>Every YAML reader of the module (catalogs and specs, rule files, rule unit tests) refuses deep nesting and alias bombs with a located error.</summary>
public sealed class BoundedYamlTests
{
    /// <summary>The 416-byte "billion laughs": nine levels of nine aliases, 9^9 scalars once expanded.</summary>
    public static readonly string BillionLaughs = string.Join("\n",
    [
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]",
        .. "bcdefghi".Select((c, i) => $"{c}: &{c} [{string.Join(",", Enumerable.Repeat("*" + "abcdefghi"[i], 9))}]"),
        "groups: *i",
        "tests: *i",
        "Services: *i",
    ]) + "\n";

    private static readonly string DeepFlow = "Services: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

    private static readonly string DeepBlock = string.Concat(Enumerable.Range(0, 300).Select(i => new string(' ', i) + "k:\n")) + new string(' ', 300) + "v\n";

    // Each anchor holds the one before it: few nodes, but 300 levels once the aliases are followed.
    private static readonly string DeepThroughAliases =
        "a0: &a0 [x]\n" + string.Concat(Enumerable.Range(1, 300).Select(i => $"a{i}: &a{i} [*a{i - 1}]\n"));

    // By name, so that test discovery does not carry the texts.
    private static readonly Dictionary<string, (string Text, string Message)> Documents = new()
    {
        ["billion laughs"] = (BillionLaughs, "excessive aliasing at line"),
        ["100,000 nested flow sequences"] = (DeepFlow, $"deeper than the limit of {BoundedYaml.MaxDepth}"),
        ["300 nested block mappings"] = (DeepBlock, $"deeper than the limit of {BoundedYaml.MaxDepth}"),
        ["300 levels through aliases"] = (DeepThroughAliases, $"deeper than the limit of {BoundedYaml.MaxDepth}"),
    };

    public static TheoryData<string> Hostile => [.. Documents.Keys];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_catalog_or_spec_is_refused_with_the_file_line_and_limit(string name)
    {
        var (text, message) = Documents[name];
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<ConfigurationException>(() => new YamlConfigurationFormat().Parse(text, "catalog.yaml"));

        Assert.StartsWith("catalog.yaml, line ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Matches(@"line \d+, column \d+", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 64 << 20, $"{name}: reading the file allocated over 64 MiB");
    }

    private static readonly Dictionary<string, Func<string, IReadOnlyList<RuleFileProblem>>> RuleReaders = new()
    {
        ["rule file"] = text => RuleFileReader.Parse(text, "rules.yml").Problems,
        ["rule unit-test file"] = text => RuleTestFileReader.Parse(text, "tests.yml").Problems,
    };

    public static TheoryData<string, string> HostileRuleFiles
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var reader in RuleReaders.Keys)
                foreach (var name in Documents.Keys) data.Add(reader, name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(HostileRuleFiles))]
    public void A_rule_or_rule_test_file_is_refused_with_a_located_problem(string reader, string name)
    {
        var (text, message) = Documents[name];

        var problem = Assert.Single(RuleReaders[reader](text));

        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.True(problem.Line > 0, $"{reader}, {name}");
    }

    [Fact]
    public void Ordinary_aliases_and_nesting_up_to_the_limit_still_load()
    {
        var levels = BoundedYaml.MaxDepth - 1;
        var text = "defaults: &defaults { TimeoutSec: 3, Retries: 2 }\nServices:\n  - *defaults\n  - *defaults\nDeep: " + new string('[', levels) + new string(']', levels) + "\n";

        var tree = (Dictionary<string, object?>)new YamlConfigurationFormat().Parse(text, "catalog.yaml")!;

        var services = (List<object?>)tree["Services"]!;
        Assert.Equal(2, services.Count);
        Assert.Equal(3L, ((Dictionary<string, object?>)services[1]!)["TimeoutSec"]);
    }

    [Theory]
    [InlineData(100, 1000, false)]
    [InlineData(101, 1001, false)]
    [InlineData(995, 1001, true)]
    [InlineData(395_000, 400_000, false)]
    [InlineData(397_000, 400_000, true)]
    [InlineData(399_000, 4_000_000, false)]
    [InlineData(401_000, 4_000_000, true)]
    public void Aliasing_is_excessive_as_in_Go_yaml(long aliasNodes, long allNodes, bool excessive) =>
        Assert.Equal(excessive, BoundedYaml.IsExcessiveAliasing(aliasNodes, allNodes));

    /// <summary>Found by ConfigurationFuzzTests: YamlDotNet's scanner threw InvalidOperationException.</summary>
    [Fact]
    public void A_line_separator_in_a_flow_mapping_is_a_located_YAML_error()
    {
        var error = Assert.Throws<ConfigurationException>(() => new YamlConfigurationFormat().Parse("Settings: { TimeoutSec: \u202816, RetryCount: 1 }\n", "catalog.yaml"));

        Assert.StartsWith("catalog.yaml, line 1: not valid YAML:", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Found by ConfigurationFuzzTests: a mapping as a key threw InvalidCastException.</summary>
    [Fact]
    public void A_mapping_as_a_key_is_a_located_configuration_error()
    {
        var error = Assert.Throws<ConfigurationException>(() => new YamlConfigurationFormat().Parse("Services:\n  - { Name: a }\nDefaults:\n  { Owner: x }: y\n", "catalog.yaml"));

        Assert.Equal("catalog.yaml, line 4, key 'Defaults': a key must be a name, not a mapping", error.Message);
    }
}
