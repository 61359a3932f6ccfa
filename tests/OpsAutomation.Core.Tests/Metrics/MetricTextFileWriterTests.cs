using System.Text;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.Metrics;

public sealed class MetricTextFileWriterTests
{
    [Fact]
    public async Task The_file_replaces_the_old_one_whole_and_leaves_no_temporary_file()
    {
        using var folder = new TempDirectory();
        var path = folder.File("ops.prom", "stale 1\n");
        var metrics = new OpsMetrics();
        metrics.Custom.Define(new CustomMetricOptions { Name = "backups_completed_total", Type = MetricType.Counter, Help = "Backups." });
        metrics.Custom.Update("backups_completed_total", new Dictionary<string, string>(), MetricChange.Increment, 3);

        var bytes = await MetricTextFileWriter.WriteAsync(metrics, path, CancellationToken.None);

        var text = await File.ReadAllTextAsync(path);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), bytes);
        Assert.DoesNotContain("stale", text, StringComparison.Ordinal);
        Assert.Contains("backups_completed_total 3\n", text, StringComparison.Ordinal);
        Assert.Equal(["ops.prom"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_missing_folder_fails_without_leaving_anything()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "absent", "ops.prom");
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => MetricTextFileWriter.WriteAsync(new OpsMetrics(), path, CancellationToken.None));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }
}
