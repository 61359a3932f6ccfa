using System.Text.Json;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

/// <summary>One test of the official JSON-Schema-Test-Suite: a schema, an instance and the verdict.</summary>
public sealed record SuiteCase(string Name, string Group, JsonElement Schema, JsonElement Data, bool Valid);

/// <summary>
/// The official JSON-Schema-Test-Suite, kept in the repository
/// (<c>tests/data/JSON-Schema-Test-Suite</c>), with its remotes registered in memory under
/// http://localhost:1234/ as the suite's README asks.
/// </summary>
public static class JsonSchemaTestSuite
{
    private static readonly Lazy<SchemaResources> LazyRemotes = new(LoadRemotes);
    private static readonly Lazy<IReadOnlyDictionary<string, SuiteCase>> LazyCases = new(LoadCases);

    public static string Directory { get; } = RepositoryPaths.TestData("JSON-Schema-Test-Suite");

    public static SchemaResources Remotes => LazyRemotes.Value;

    /// <summary>Every draft 2020-12 case by its readable name ("type.json / integer type matches integers / a float is not an integer").</summary>
    public static IReadOnlyDictionary<string, SuiteCase> Cases => LazyCases.Value;

    private static SchemaResources LoadRemotes()
    {
        var remotes = Path.Combine(Directory, "remotes");
        var resources = new SchemaResources();
        foreach (var file in System.IO.Directory.GetFiles(remotes, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(remotes, file).Replace('\\', '/');
            resources.Add(new Uri("http://localhost:1234/" + relative), File.ReadAllText(file), file);
        }
        return resources;
    }

    private static Dictionary<string, SuiteCase> LoadCases()
    {
        var tests = Path.Combine(Directory, "tests", "draft2020-12");
        var cases = new Dictionary<string, SuiteCase>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.GetFiles(tests, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetRelativePath(tests, file).Replace('\\', '/');
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var group in document.RootElement.EnumerateArray())
            {
                var groupName = $"{fileName} / {group.GetProperty("description").GetString()}";
                var schema = group.GetProperty("schema").Clone();
                foreach (var test in group.GetProperty("tests").EnumerateArray())
                {
                    var name = $"{groupName} / {test.GetProperty("description").GetString()}";
                    for (var n = 2; cases.ContainsKey(name); n++) name = $"{groupName} / {test.GetProperty("description").GetString()} ({n})";
                    cases.Add(name, new SuiteCase(name, groupName, schema, test.GetProperty("data").Clone(), test.GetProperty("valid").GetBoolean()));
                }
            }
        }
        return cases;
    }
}
