using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Incidents.Diagnostics;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents.Diagnostics;

/// <summary>The collector's contract on sources made for the purpose: time limits, failures, redaction, the size cap, the bundle.</summary>
public sealed class DiagnosticsCollectorTests : IDisposable
{
    private const string Token = "ghp_diagnostics0123456789secret";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DelegateDiagnosticSource Fixed(string name, string text, params DiagnosticFinding[] findings) =>
        new(name, name + ".txt", _ => Task.FromResult(new DiagnosticContent(text) { Findings = findings }));

    [Fact]
    public async Task A_source_that_hangs_is_timed_out_at_its_limit_and_the_others_are_collected()
    {
        var options = new DiagnosticsOptions { SourceTimeout = TimeSpan.FromSeconds(15) };
        var hanging = new TaskCompletionSource<DiagnosticContent>();
        // Ignores its token altogether: the collector must abandon it.
        var quick = new Ran(Fixed("quick", "fine"));
        var sources = new IDiagnosticSource[] { new DelegateDiagnosticSource("hangs", "hangs.txt", _ => hanging.Task), quick };

        var collecting = new DiagnosticsCollector(_time).CollectAsync(sources, options, CancellationToken.None);
        await quick.Done.WaitAsync(Guard);
        Assert.False(collecting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(15));
        var collected = await collecting.WaitAsync(Guard);

        Assert.Equal(DiagnosticSourceStatus.TimedOut, collected[0].Result.Status);
        Assert.Contains("15 s time limit", collected[0].Result.Error, StringComparison.Ordinal);
        Assert.Null(collected[0].Text);
        Assert.Null(collected[0].Result.File);
        Assert.Equal((DiagnosticSourceStatus.Succeeded, "fine"), (collected[1].Result.Status, collected[1].Text));
    }

    [Fact]
    public async Task A_source_that_honours_its_token_is_timed_out_too()
    {
        var sources = new IDiagnosticSource[] { new DelegateDiagnosticSource("waits", "waits.txt", async token =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return new DiagnosticContent("never");
        }) };
        var collecting = new DiagnosticsCollector(_time).CollectAsync(sources, new DiagnosticsOptions { SourceTimeout = TimeSpan.FromSeconds(2) }, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(2));
        var collected = await collecting.WaitAsync(Guard);
        Assert.Equal(DiagnosticSourceStatus.TimedOut, collected[0].Result.Status);
    }

    [Fact]
    public async Task A_source_that_throws_is_failed_with_its_error_redacted_and_the_others_are_collected()
    {
        var sources = new IDiagnosticSource[]
        {
            new DelegateDiagnosticSource("throws", "throws.txt", _ => throw new InvalidOperationException($"could not reach https://ops:{Token}@metrics.example/api")),
            new DelegateDiagnosticSource("faults", "faults.txt", _ => Task.FromException<DiagnosticContent>(new IOException("disk gone"))),
            new DelegateDiagnosticSource("skips", "skips.txt", _ => throw new DiagnosticSkippedException("no workload")),
            Fixed("quick", "fine"),
        };
        var collected = await new DiagnosticsCollector(_time).CollectAsync(sources, new DiagnosticsOptions(), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(DiagnosticSourceStatus.Failed, collected[0].Result.Status);
        Assert.DoesNotContain(Token, collected[0].Result.Error, StringComparison.Ordinal);
        Assert.Contains(SecretRedactor.Mask, collected[0].Result.Error, StringComparison.Ordinal);
        Assert.Equal((DiagnosticSourceStatus.Failed, "disk gone"), (collected[1].Result.Status, collected[1].Result.Error));
        Assert.Equal((DiagnosticSourceStatus.Skipped, "no workload"), (collected[2].Result.Status, collected[2].Result.Error));
        Assert.Equal(DiagnosticSourceStatus.Succeeded, collected[3].Result.Status);
    }

    [Fact]
    public async Task A_secret_one_source_learns_is_masked_in_every_output_and_finding()
    {
        var redactor = new SecretRedactor();
        var sources = new IDiagnosticSource[]
        {
            // The log source finishes first; the env source learns the secret later: the log is still masked.
            Fixed("logs", $"connecting with {Token}\nAuthorization: Bearer abcdefghijkl\n",
                new DiagnosticFinding(DiagnosticSection.LastLogLines, "pod web-1") { Lines = [$"password is {Token}"] }),
            new DelegateDiagnosticSource("env", "env.json", async _ =>
            {
                await Task.Yield();
                redactor.AddSecret(Token);
                return new DiagnosticContent("{\"API_TOKEN\": \"[REDACTED]\"}");
            }),
        };
        var collected = await new DiagnosticsCollector(_time, redactor).CollectAsync(sources, new DiagnosticsOptions(), CancellationToken.None).WaitAsync(Guard);

        Assert.DoesNotContain(Token, collected[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdefghijkl", collected[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, collected[0].Findings[0].Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_over_the_size_cap_is_cut_on_a_character_boundary_and_marked()
    {
        var big = string.Concat(Enumerable.Repeat("é", 4000));
        var collected = await new DiagnosticsCollector(_time).CollectAsync([Fixed("big", big)], new DiagnosticsOptions { MaxSourceBytes = 1025 }, CancellationToken.None);

        var result = collected[0].Result;
        Assert.True(result.Truncated);
        Assert.StartsWith(string.Concat(Enumerable.Repeat("é", 512)), collected[0].Text, StringComparison.Ordinal);
        Assert.Contains("[truncated", collected[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', collected[0].Text!);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_ends_the_collection()
    {
        using var cancel = new CancellationTokenSource();
        var hanging = new TaskCompletionSource<DiagnosticContent>();
        var collecting = new DiagnosticsCollector(_time).CollectAsync([new DelegateDiagnosticSource("hangs", "h.txt", _ => hanging.Task)], new DiagnosticsOptions(), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => collecting.WaitAsync(Guard));
    }

    [Fact]
    public void Options_out_of_range_are_refused_naming_the_option()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new DiagnosticsOptions { SourceTimeout = TimeSpan.FromMilliseconds(10) }.Validate());
        Assert.Equal("SourceTimeout", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiagnosticsOptions { LogTailLines = 0 }.Validate());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_bundle_holds_a_manifest_a_summary_and_one_file_per_source_that_left_one(bool zip)
    {
        var hanging = new TaskCompletionSource<DiagnosticContent>();
        var quick = new Ran(Fixed("pod-status", "{}", new DiagnosticFinding(DiagnosticSection.CrashReasons, "pod web-1 container app: CrashLoopBackOff")));
        var throws = new Ran(new DelegateDiagnosticSource("throws", "throws.txt", _ => throw new InvalidOperationException("refused")));
        var sources = new IDiagnosticSource[] { quick, throws, new DelegateDiagnosticSource("hangs", "hangs.txt", _ => hanging.Task) };
        var options = new DiagnosticsOptions { SourceTimeout = TimeSpan.FromSeconds(5) };
        var collecting = new DiagnosticsCollector(_time).CollectAsync(sources, options, CancellationToken.None);
        await Task.WhenAll(quick.Done, throws.Done).WaitAsync(Guard);
        _time.Advance(TimeSpan.FromSeconds(5));
        var collected = await collecting.WaitAsync(Guard);
        var request = new DiagnosticsBundleRequest { OutputDirectory = _dir.Path, IncidentId = "INC-20261207-0001", Service = "checkout", CollectedAt = _time.GetUtcNow(), Zip = zip };

        var bundle = await DiagnosticsBundle.WriteAsync(request, collected, options, _time, CancellationToken.None);

        Assert.Equal((1, 2, zip), (bundle.Succeeded, bundle.Failed, bundle.Zip));
        Assert.Equal(zip, bundle.Path.EndsWith(".zip", StringComparison.Ordinal));
        Assert.Contains("diagnostics-INC-20261207-0001-20261207T100005Z", bundle.Path, StringComparison.Ordinal);
        var files = ReadBundle(bundle.Path, zip);
        Assert.Equal(["manifest.json", "pod-status.txt", "summary.md"], files.Keys.Order(StringComparer.Ordinal));
        using var manifest = JsonDocument.Parse(files["manifest.json"]);
        Assert.Equal("INC-20261207-0001", manifest.RootElement.GetProperty("incidentId").GetString());
        var statuses = manifest.RootElement.GetProperty("sources").EnumerateArray().Select(s => (s.GetProperty("name").GetString(), s.GetProperty("status").GetString())).ToList();
        Assert.Equal([("pod-status", "Succeeded"), ("throws", "Failed"), ("hangs", "TimedOut")], statuses);
        Assert.Contains("## Crash reasons", files["summary.md"], StringComparison.Ordinal);
        Assert.Contains("CrashLoopBackOff", files["summary.md"], StringComparison.Ordinal);
        Assert.Contains("| throws | Failed |", files["summary.md"], StringComparison.Ordinal);
        // Nothing temporary is left beside the bundle.
        Assert.Single(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task A_second_bundle_of_the_same_second_gets_a_name_of_its_own()
    {
        var collected = await new DiagnosticsCollector(_time).CollectAsync([Fixed("a", "x")], new DiagnosticsOptions(), CancellationToken.None);
        var request = new DiagnosticsBundleRequest { OutputDirectory = _dir.Path, Service = "check/out", CollectedAt = _time.GetUtcNow() };
        var first = await DiagnosticsBundle.WriteAsync(request, collected, new DiagnosticsOptions(), _time, CancellationToken.None);
        var second = await DiagnosticsBundle.WriteAsync(request, collected, new DiagnosticsOptions(), _time, CancellationToken.None);
        Assert.NotEqual(first.Path, second.Path);
        Assert.EndsWith("diagnostics-check_out-20261207T100000Z", first.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void The_timeline_entry_names_the_bundle_and_each_sources_status()
    {
        var diagnostics = new IncidentDiagnostics
        {
            Path = "/tmp/bundle", IncidentId = "INC-1", Service = "checkout", CollectedAt = _time.GetUtcNow(), Timestamp = _time.GetUtcNow(),
            Sources =
            [
                new DiagnosticSourceResult { Name = "pod-logs", Status = DiagnosticSourceStatus.Succeeded, Duration = TimeSpan.FromSeconds(1.5) },
                new DiagnosticSourceResult { Name = "events", Status = DiagnosticSourceStatus.TimedOut, Duration = TimeSpan.FromSeconds(15), Error = "too slow" },
            ],
        };
        var entry = DiagnosticsTimeline.Entry(diagnostics, "me@host", _time.GetUtcNow());
        Assert.Equal(IncidentEventKind.Diagnostics, entry.Kind);
        Assert.Equal("/tmp/bundle", entry.Details["path"]);
        Assert.Equal("Succeeded (1.5s)", entry.Details["source.pod-logs"]);
        Assert.Equal("TimedOut (15s): too slow", entry.Details["source.events"]);
        Assert.Contains("1 of 2 sources succeeded, 1 failed", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_fence_is_longer_than_any_backtick_run_of_the_lines()
    {
        Assert.Equal("```", DiagnosticsSummary.Fence(["plain"]));
        Assert.Equal("`````", DiagnosticsSummary.Fence(["a ```` b"]));
    }

    /// <summary>A source that says when it has run, so a test moves the clock only after the quick sources are done.</summary>
    private sealed class Ran(IDiagnosticSource inner) : IDiagnosticSource
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => _done.Task;

        public string Name => inner.Name;

        public string FileName => inner.FileName;

        public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.CollectAsync(cancellationToken);
            }
            finally
            {
                // The collector's continuation runs after this one: give it a moment to record the outcome first.
                _ = Task.Delay(50, CancellationToken.None).ContinueWith(_ => _done.TrySetResult(), TaskScheduler.Default);
            }
        }
    }

    internal static Dictionary<string, string> ReadBundle(string path, bool zip)
    {
        if (!zip) return Directory.EnumerateFiles(path).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
        using var archive = ZipFile.OpenRead(path);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var reader = new StreamReader(e.Open());
            return reader.ReadToEnd();
        }, StringComparer.Ordinal);
    }
}
