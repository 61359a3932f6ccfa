using OpsAutomation.Core.Reporting;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed class AtomicTextFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        var path = _dir.File("report.html", "old and longer content");

        await AtomicTextFile.WriteAsync(path, "new é", CancellationToken.None);

        Assert.Equal("new é", await File.ReadAllTextAsync(path));
        Assert.Equal([0x6E, 0x65, 0x77], (await File.ReadAllBytesAsync(path)).Take(3)); // no byte order mark
        Assert.Equal(["report.html"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_missing_folder_fails_and_creates_nothing()
    {
        var path = Path.Combine(_dir.Path, "missing", "report.md");

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => AtomicTextFile.WriteAsync(path, "x", CancellationToken.None));

        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }
}
