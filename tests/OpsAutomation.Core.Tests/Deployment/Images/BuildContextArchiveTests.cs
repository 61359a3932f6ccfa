using System.Formats.Tar;
using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Deployment.Images;

public sealed class BuildContextArchiveTests : IDisposable
{
    private readonly TempDirectory _context = new();

    public void Dispose() => _context.Dispose();

    private void Files(params string[] paths)
    {
        foreach (var path in paths)
        {
            var full = Path.Combine(_context.Path, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, path);
        }
    }

    [Fact]
    public void Excluded_files_and_folders_stay_out_and_the_Dockerfile_and_dockerignore_are_always_sent()
    {
        Files("Dockerfile", "app.txt", "secret.env", "logs/a.log", "src/main.txt", "src/debug.log");
        File.WriteAllLines(Path.Combine(_context.Path, ".dockerignore"), ["Dockerfile", ".dockerignore", "*.env", "logs", "**/*.log"]);
        var archive = new BuildContextArchive(_context.Path, DockerIgnore.Load(_context.Path), "Dockerfile");
        Assert.Equal([".dockerignore", "Dockerfile", "app.txt", "src", "src/main.txt"], archive.Entries().ToList());
    }

    [Fact]
    public void An_exception_inside_an_excluded_folder_is_sent()
    {
        Files("Dockerfile", "docs/a.md", "docs/keep.md");
        var archive = new BuildContextArchive(_context.Path, DockerIgnore.Parse(["docs", "!docs/keep.md"]), "Dockerfile");
        Assert.Equal(["Dockerfile", "docs/keep.md"], archive.Entries().ToList());
    }

    [Fact]
    public async Task A_Dockerfile_outside_the_context_travels_at_its_root_under_its_entry_name()
    {
        Files("app.txt");
        using var elsewhere = new TempDirectory();
        var dockerfile = elsewhere.File("Build.dockerfile", "FROM scratch\n");
        var archive = new BuildContextArchive(_context.Path, DockerIgnore.Empty, ".dockerfile.abc", dockerfile);
        var (stream, writer) = archive.Open(CancellationToken.None);
        var entries = new Dictionary<string, string>();
        await using (stream)
        {
            await using var reader = new TarReader(stream);
            while (await reader.GetNextEntryAsync() is { } entry)
                entries[entry.Name] = entry.DataStream is null ? "" : await new StreamReader(entry.DataStream).ReadToEndAsync();
        }
        await writer;
        Assert.Equal("FROM scratch\n", entries[".dockerfile.abc"]);
        Assert.Equal("app.txt", entries["app.txt"]);
        Assert.True(archive.BytesWritten > 0);
    }
}
