using System.Text.Json;
using OpsAutomation.Core.Pipelines.Validation;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

/// <summary>One test of the official JSON-Schema-Test-Suite: a schema, an instance and the verdict.</summary>
public sealed record SuiteCase(string Name, string Group, JsonElement Schema, JsonElement Data, bool Valid);

/// <summary>
/// The official JSON-Schema-Test-Suite, kept in shared/ beside the repository
/// (<c>../shared/data/JSON-Schema-Test-Suite</c>), with its remotes registered in memory under
/// http://localhost:1234/ as the suite's README asks.
/// </summary>
public static class JsonSchemaTestSuite
{
    private static readonly Lazy<SchemaResources> LazyRemotes = new(LoadRemotes);
    private static readonly Lazy<IReadOnlyDictionary<string, SuiteCase>> LazyCases = new(LoadCases);

    /// <summary>The suite's directory, whether or not it exists.</summary>
    public static string Directory { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data", "JSON-Schema-Test-Suite"));

    public static bool IsPresent => System.IO.Directory.Exists(Path.Combine(Directory, "tests", "draft2020-12"));

    public static SchemaResources Remotes => LazyRemotes.Value;

    /// <summary>Every draft 2020-12 case by its readable name ("type.json / integer type matches integers / a float is not an integer").</summary>
    public static IReadOnlyDictionary<string, SuiteCase> Cases => LazyCases.Value;

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OpsAutomation.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} holds OpsAutomation.sln");
    }

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

/// <summary>A theory over the suite's cases that reports itself skipped, naming the path, when shared/ is absent.</summary>
public sealed class JsonSchemaSuiteTheoryAttribute : TheoryAttribute
{
    public JsonSchemaSuiteTheoryAttribute()
    {
        if (!JsonSchemaTestSuite.IsPresent)
            Skip = $"the JSON-Schema-Test-Suite is not at {Path.Combine(JsonSchemaTestSuite.Directory, "tests", "draft2020-12")} (shared/ is beside the repository in CI)";
    }
}

/// <summary>A fact over the suite that reports itself skipped, naming the path, when shared/ is absent.</summary>
public sealed class JsonSchemaSuiteFactAttribute : FactAttribute
{
    public JsonSchemaSuiteFactAttribute()
    {
        if (!JsonSchemaTestSuite.IsPresent)
            Skip = $"the JSON-Schema-Test-Suite is not at {Path.Combine(JsonSchemaTestSuite.Directory, "tests", "draft2020-12")} (shared/ is beside the repository in CI)";
    }
}
