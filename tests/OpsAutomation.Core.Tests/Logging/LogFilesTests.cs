using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Logging;

/// <summary>The runtime's log files: one open file per folder shared by successive runs, each run's lines redacted by its own secrets.</summary>
public sealed class LogFilesTests
{
    [Fact]
    public void Successive_runs_append_their_lines_to_the_one_daily_file()
    {
        using var dir = new TempDirectory();
        using var files = new LogFiles();
        foreach (var run in new[] { "run-1", "run-2" })
        {
            using var log = new OpsLog(run, new OpsLogOptions { Directory = dir.Path, Files = files }, new SecretRedactor());
            log.Write(new LogRecord { Action = "health-check", Message = $"{run} checked" });
        }
        var lines = ReadLines(dir.Path);
        Assert.Equal(2, lines.Count);
        Assert.Contains("\"labels.run_id\":\"run-1\"", lines[0]);
        Assert.Contains("\"labels.run_id\":\"run-2\"", lines[1]);
    }

    [Fact]
    public void The_lines_of_a_shared_file_match_those_of_a_file_opened_per_run()
    {
        using var shared = new TempDirectory();
        using var own = new TempDirectory();
        using var files = new LogFiles();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero));
        var record = new LogRecord { Action = "health-check", Outcome = "success", Message = "web is Healthy.", Url = "http://web.test:8080/", Duration = TimeSpan.FromMilliseconds(3) };
        using (var log = new OpsLog("r", new OpsLogOptions { Directory = shared.Path, Files = files }, new SecretRedactor(), time)) log.Write(record);
        using (var log = new OpsLog("r", new OpsLogOptions { Directory = own.Path }, new SecretRedactor(), time)) log.Write(record);
        Assert.Equal(ReadLines(own.Path), ReadLines(shared.Path));
    }

    [Fact]
    public void Each_run_masks_its_own_secrets_in_the_shared_file()
    {
        using var dir = new TempDirectory();
        using var files = new LogFiles();
        var first = new SecretRedactor();
        first.AddSecret("first-run-secret");
        var second = new SecretRedactor();
        second.AddSecret("second-run-secret");
        using (var log = new OpsLog("a", new OpsLogOptions { Directory = dir.Path, Files = files }, first))
        using (var other = new OpsLog("b", new OpsLogOptions { Directory = dir.Path, Files = files }, second))
        {
            log.Write(new LogRecord { Action = "x", Message = "failed with first-run-secret" });
            other.Write(new LogRecord { Action = "x", Message = "failed with second-run-secret" });
        }
        var text = string.Join('\n', ReadLines(dir.Path));
        Assert.DoesNotContain("first-run-secret", text);
        Assert.DoesNotContain("second-run-secret", text);
    }

    [Fact]
    public void A_run_after_the_folder_was_removed_writes_to_a_new_file()
    {
        using var dir = new TempDirectory();
        using var files = new LogFiles();
        using (var log = new OpsLog("run-1", new OpsLogOptions { Directory = dir.Path, Files = files }, new SecretRedactor()))
            log.Write(new LogRecord { Action = "x", Message = "before" });
        Directory.Delete(dir.Path, recursive: true);

        using (var log = new OpsLog("run-2", new OpsLogOptions { Directory = dir.Path, Files = files }, new SecretRedactor()))
            log.Write(new LogRecord { Action = "x", Message = "after" });
        var line = Assert.Single(ReadLines(dir.Path));
        Assert.Contains("\"message\":\"after\"", line);
    }

    private static List<string> ReadLines(string directory)
    {
        var file = Assert.Single(Directory.GetFiles(directory, OpsLog.FileNamePrefix + "*.json"));
        // The file stays open for the next run: read it as another process would.
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
