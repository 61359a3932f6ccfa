namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>Files of the repository the tests read: examples, sources and the conformance data under tests/data.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder that holds OpsAutomation.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the repository's root.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A path under tests/data, where third-party conformance data lives with its LICENSE and ORIGIN.md.</summary>
    public static string TestData(params string[] parts) => Path.Combine([Root, "tests", "data", .. parts]);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !System.IO.File.Exists(Path.Combine(directory.FullName, "OpsAutomation.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} holds OpsAutomation.sln");
    }
}
