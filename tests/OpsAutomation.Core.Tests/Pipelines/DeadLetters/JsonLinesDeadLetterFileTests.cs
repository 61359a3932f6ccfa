using System.Text;
using System.Text.Json;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.DeadLetters;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines.DeadLetters;

public sealed class JsonLinesDeadLetterFileTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 15, 0, TimeSpan.FromHours(1));
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string FilePath => System.IO.Path.Combine(_directory.Path, "out", "rejects.jsonl");

    private static NewDeadLetter Letter(long position, string run = "run-1", string step = "load", string pipeline = "orders", PipelineStage stage = PipelineStage.Validate, string? error = null) =>
        new(pipeline, step, run, stage, position, $"orders.csv:{position + 1}", error ?? $"quantity (minimum): {position} is below 1", 1, $"{{\"order_id\":{position},\"note\":\"a \\\"quoted\\\" line\\nand more\"}}");

    private static Task<JsonLinesDeadLetterFile> OpenAsync(string path, bool create = true) => JsonLinesDeadLetterFile.OpenAsync(path, create, CancellationToken.None);

    private static async Task<List<DeadLetter>> ListAsync(IDeadLetterStore letters, DeadLetterFilter? filter = null)
    {
        var list = new List<DeadLetter>();
        await foreach (var letter in letters.ListAsync(filter ?? new DeadLetterFilter(), CancellationToken.None)) list.Add(letter);
        return list;
    }

    // What a replay does to the letters it loads: claims them, then marks them replayed.
    private static async Task<IReadOnlyList<long>> ReplayAsync(IDeadLetterStore queue, long[] ids, string replayRunId, DateTimeOffset now)
    {
        await queue.ClaimAsync(ids, replayRunId, new ReplayClaimant("host", 1, now.AddMinutes(10)), CancellationToken.None);
        return await queue.CompleteReplayAsync(replayRunId, now, CancellationToken.None);
    }

    private static string[] Lines(string path) => File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task A_letter_is_one_line_with_every_field_in_camelCase_and_UTC_ISO_8601_times()
    {
        await using (var file = await OpenAsync(FilePath))
            Assert.Equal(1, await file.AddAsync([Letter(7, stage: PipelineStage.Load)], Now, CancellationToken.None));

        var text = await File.ReadAllTextAsync(FilePath);
        Assert.EndsWith("\n", text);
        var root = JsonDocument.Parse(Assert.Single(Lines(FilePath))).RootElement;
        Assert.Equal(
            ["id", "pipeline", "step", "runId", "stage", "position", "location", "error", "attempts", "record", "createdAt", "replayedAt", "replayRunId"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("id").GetInt64());
        Assert.Equal("Load", root.GetProperty("stage").GetString());
        Assert.Equal(7, root.GetProperty("position").GetInt64());
        Assert.Equal("2026-11-30T08:15:00.0000000Z", root.GetProperty("createdAt").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("replayedAt").ValueKind);
        Assert.Equal(Letter(7).Record, root.GetProperty("record").GetString());
    }

    public static TheoryData<string, DeadLetterFilter> Filters => new()
    {
        { "everything", new DeadLetterFilter() },
        { "pipeline", new DeadLetterFilter { Pipeline = "orders" } },
        { "run", new DeadLetterFilter { RunId = "run-2" } },
        { "step", new DeadLetterFilter { Step = "clean" } },
        { "stage", new DeadLetterFilter { Stage = PipelineStage.Transform } },
        { "error text, any case", new DeadLetterFilter { ErrorContains = "TIMEOUT" } },
        { "ids", new DeadLetterFilter { Ids = [2, 5, 9, 40] } },
        { "pipeline and run", new DeadLetterFilter { Pipeline = "orders", RunId = "run-1" } },
        { "replayed too", new DeadLetterFilter { IncludeReplayed = true } },
    };

    // The state store is the oracle: the file must select what the store selects, field for field.
    [Theory]
    [MemberData(nameof(Filters))]
    public async Task A_filter_selects_what_it_selects_in_the_state_store(string name, DeadLetterFilter filter)
    {
        Assert.NotEmpty(name);
        var store = await StateStore.OpenAsync(System.IO.Path.Combine(_directory.Path, "state"), CancellationToken.None);
        IDeadLetterStore[] queues = [new DeadLetterStore(store), await OpenAsync(FilePath)];
        foreach (var queue in queues)
        {
            await queue.AddAsync([Letter(1), Letter(2, run: "run-2"), Letter(3, step: "clean"), Letter(4, stage: PipelineStage.Transform, error: "Derive total: timeout")], Now, CancellationToken.None);
            await queue.AddAsync([Letter(5, pipeline: "invoices"), Letter(6, error: "sink: Timeout after 30 s"), Letter(1)], Now.AddMinutes(1), CancellationToken.None);
            await ReplayAsync(queue, [1, 6], "replay-1", Now.AddHours(1));
        }

        var expected = await ListAsync(queues[0], filter);
        var actual = await ListAsync(queues[1], filter);

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        await queues[1].DisposeAsync();
    }

    // Claims as a replay makes them, then one letter failing again: the file holds what the state store holds.
    [Fact]
    public async Task Claims_and_failures_of_a_replay_are_kept_as_in_the_state_store()
    {
        var store = await StateStore.OpenAsync(System.IO.Path.Combine(_directory.Path, "state"), CancellationToken.None);
        IDeadLetterStore[] queues = [new DeadLetterStore(store), await OpenAsync(FilePath)];
        var claimed = new List<IReadOnlyList<DeadLetter>>();
        foreach (var queue in queues)
        {
            await queue.AddAsync([Letter(1), Letter(2), Letter(3), Letter(4)], Now, CancellationToken.None);
            claimed.Add(await queue.ClaimAsync([4, 2, 3], "replay-1", new ReplayClaimant("host", 1, Now.AddMinutes(10)), CancellationToken.None));
            // Letter 2 is replay-1's: a second replay takes only the free one.
            Assert.Equal([1L], (await queue.ClaimAsync([1, 2], "replay-2", new ReplayClaimant("host", 1, Now.AddMinutes(10)), CancellationToken.None)).Select(l => l.Id));
            await queue.FailReplayedAsync("replay-1", [new NewDeadLetter("orders", "load", "replay-1", PipelineStage.Load, 2, "x", "order_id = 3 is already in table 'orders'", 1, "{}")], CancellationToken.None);
        }

        Assert.Equal([2L, 3, 4], claimed[0].Select(l => l.Id));
        Assert.Equal([1L, 2, 3], claimed[0].Select(l => l.ClaimPosition!.Value));
        Assert.Equal(claimed[0], claimed[1]);
        Assert.Equal(await ListAsync(queues[0]), await ListAsync(queues[1]));
        var failed = (await ListAsync(queues[1])).Single(l => l.Id == 3);
        Assert.Null(failed.ClaimRunId);
        Assert.Equal(PipelineStage.Load, failed.Stage);
        Assert.StartsWith("order_id = 3 is already", failed.Error);
        Assert.Equal([2L, 4], (await queues[1].ListClaimedAsync("replay-1", CancellationToken.None)).Select(l => l.Id));
        await queues[1].DisposeAsync();
    }

    [Fact]
    public async Task A_resumed_run_adds_none_of_its_letters_twice_after_the_file_is_reopened()
    {
        await using (var first = await OpenAsync(FilePath))
        {
            Assert.Equal(3, await first.AddAsync([Letter(1), Letter(2), Letter(3)], Now, CancellationToken.None));
            Assert.Equal(0, await first.AddAsync([Letter(3), Letter(2)], Now, CancellationToken.None));
        }

        await using var resumed = await OpenAsync(FilePath);
        var added = await resumed.AddAsync([Letter(2), Letter(3), Letter(4), Letter(4), Letter(2, run: "run-2")], Now, CancellationToken.None);

        Assert.Equal(2, added);
        var letters = await ListAsync(resumed);
        Assert.Equal([1L, 2, 3, 4, 2], letters.Select(l => l.Position));
        Assert.Equal([1L, 2, 3, 4, 5], letters.Select(l => l.Id));
        Assert.Equal(5, Lines(FilePath).Length);
    }

    [Fact]
    public async Task A_half_written_last_line_is_cut_on_open_and_the_next_letter_follows_the_last_whole_one()
    {
        await using (var file = await OpenAsync(FilePath))
            await file.AddAsync([Letter(1), Letter(2), Letter(3)], Now, CancellationToken.None);
        var whole = await File.ReadAllBytesAsync(FilePath);
        var lastLine = Array.LastIndexOf(whole, (byte)'\n', whole.Length - 2) + 1;
        // A kill in the middle of the third letter.
        await File.WriteAllBytesAsync(FilePath, whole[..(lastLine + 40)]);

        await using var reopened = await OpenAsync(FilePath);

        Assert.Equal(40, reopened.CutBytes);
        Assert.Equal(whole[..lastLine], await File.ReadAllBytesAsync(FilePath));
        Assert.Equal(1, await reopened.AddAsync([Letter(3)], Now, CancellationToken.None));
        var letters = await ListAsync(reopened);
        Assert.Equal([1L, 2, 3], letters.Select(l => l.Position));
        Assert.Equal(3, letters[^1].Id);
    }

    [Fact]
    public async Task A_whole_letter_without_its_newline_is_kept()
    {
        await using (var file = await OpenAsync(FilePath))
            await file.AddAsync([Letter(1), Letter(2)], Now, CancellationToken.None);
        var text = await File.ReadAllTextAsync(FilePath);
        await File.WriteAllTextAsync(FilePath, text.TrimEnd('\n'));

        await using var reopened = await OpenAsync(FilePath);

        Assert.Equal(0, reopened.CutBytes);
        Assert.Equal(0, await reopened.AddAsync([Letter(2)], Now, CancellationToken.None));
        Assert.Equal(1, await reopened.AddAsync([Letter(3)], Now, CancellationToken.None));
        Assert.Equal([1L, 2, 3], (await ListAsync(reopened)).Select(l => l.Position));
    }

    [Theory]
    [InlineData("{\"id\": 2, \"pipeline\": ", "not JSON")]
    [InlineData("[1, 2]", "a dead letter is a JSON object")]
    [InlineData("{\"id\":2,\"pipeline\":\"orders\",\"step\":\"load\",\"runId\":\"r\",\"stage\":\"Validate\",\"position\":2,\"location\":\"x\",\"error\":\"e\",\"attempts\":1,\"createdAt\":\"2026-11-30T08:15:00Z\"}", "'record' is missing")]
    [InlineData("{\"id\":2,\"pipeline\":\"orders\",\"step\":\"load\",\"runId\":\"r\",\"stage\":\"Parse\",\"position\":2,\"location\":\"x\",\"error\":\"e\",\"attempts\":1,\"record\":\"{}\",\"createdAt\":\"2026-11-30T08:15:00Z\"}", "'stage' is 'Parse'")]
    [InlineData("{\"id\":\"two\",\"pipeline\":\"orders\",\"step\":\"load\",\"runId\":\"r\",\"stage\":\"Read\",\"position\":2,\"location\":\"x\",\"error\":\"e\",\"attempts\":1,\"record\":\"{}\",\"createdAt\":\"2026-11-30T08:15:00Z\"}", "'id' must be a whole number")]
    [InlineData("{\"id\":1,\"pipeline\":\"orders\",\"step\":\"load\",\"runId\":\"r\",\"stage\":\"Read\",\"position\":9,\"location\":\"x\",\"error\":\"e\",\"attempts\":1,\"record\":\"{}\",\"createdAt\":\"2026-11-30T08:15:00Z\"}", "id 1 is also the id of line 1")]
    public async Task A_line_that_is_not_a_dead_letter_is_an_error_naming_the_file_and_line(string bad, string reason)
    {
        await using (var file = await OpenAsync(FilePath))
            await file.AddAsync([Letter(1), Letter(3)], Now, CancellationToken.None);
        var lines = Lines(FilePath);
        await File.WriteAllTextAsync(FilePath, $"{lines[0]}\n{bad}\n{lines[1]}\n");

        var opening = await Assert.ThrowsAsync<DeadLetterFileException>(() => OpenAsync(FilePath));
        var listing = await Assert.ThrowsAsync<DeadLetterFileException>(() => ListAsync(JsonLinesDeadLetterFile.OpenReadOnly(FilePath)));

        foreach (var error in new[] { opening, listing })
        {
            Assert.Equal(DeadLetterFileProblem.Invalid, error.Problem);
            Assert.Equal(2, error.Line);
            Assert.StartsWith($"{FilePath}, line 2: not a dead letter: ", error.Message);
            Assert.Contains(reason, error.Message);
        }
        Assert.Equal(3, Lines(FilePath).Length);
    }

    [Fact]
    public async Task Marking_replayed_marks_each_letter_once_and_keeps_the_other_lines_byte_for_byte()
    {
        await using var file = await OpenAsync(FilePath);
        await file.AddAsync([Letter(1), Letter(2), Letter(3), Letter(4)], Now, CancellationToken.None);
        var before = Lines(FilePath);

        var marked = await ReplayAsync(file, [3, 1, 99], "replay-1", Now.AddHours(2));
        var again = await ReplayAsync(file, [1, 2], "replay-2", Now.AddHours(3));

        Assert.Equal([1L, 3], marked);
        Assert.Equal([2L], again);
        var after = Lines(FilePath);
        Assert.Equal(before[3], after[3]);
        var first = JsonDocument.Parse(after[0]).RootElement;
        Assert.Equal("replay-1", first.GetProperty("replayRunId").GetString());
        Assert.Equal("2026-11-30T10:15:00.0000000Z", first.GetProperty("replayedAt").GetString());
        Assert.Equal([4L], (await ListAsync(file)).Select(l => l.Id));
        Assert.Empty(Directory.GetFiles(System.IO.Path.GetDirectoryName(FilePath)!, "*.tmp"));
    }

    [Fact]
    public async Task A_purge_renames_a_new_file_over_the_old_so_a_reader_keeps_a_whole_snapshot()
    {
        await using var file = await OpenAsync(FilePath);
        await file.AddAsync([.. Enumerable.Range(1, 2000).Select(p => Letter(p))], Now, CancellationToken.None);
        var reader = JsonLinesDeadLetterFile.OpenReadOnly(FilePath);
        await using var reading = reader.ListAsync(new DeadLetterFilter(), CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await reading.MoveNextAsync());

        var purged = await file.PurgeAsync(new DeadLetterFilter { ErrorContains = "is below" }, CancellationToken.None);

        Assert.Equal(2000, purged);
        var seen = 1;
        while (await reading.MoveNextAsync()) seen++;
        Assert.Equal(2000, seen);
        Assert.Equal(0, new FileInfo(FilePath).Length);
        Assert.Empty(Directory.GetFiles(System.IO.Path.GetDirectoryName(FilePath)!, "*.tmp"));
    }

    [Fact]
    public async Task A_purge_removes_only_what_the_filter_selects_and_a_purged_letter_can_be_added_again()
    {
        await using var file = await OpenAsync(FilePath);
        await file.AddAsync([Letter(1), Letter(2, run: "run-2"), Letter(3), Letter(4, run: "run-2")], Now, CancellationToken.None);

        Assert.Equal(2, await file.PurgeAsync(new DeadLetterFilter { RunId = "run-2" }, CancellationToken.None));
        Assert.Equal(0, await file.PurgeAsync(new DeadLetterFilter { RunId = "run-2" }, CancellationToken.None));

        Assert.Equal([1L, 3], (await ListAsync(file)).Select(l => l.Id));
        Assert.Equal(1, await file.AddAsync([Letter(2, run: "run-2"), Letter(3)], Now, CancellationToken.None));
        await using var reader = JsonLinesDeadLetterFile.OpenReadOnly(FilePath);
        Assert.Equal([1L, 3, 4], (await ListAsync(reader)).Select(l => l.Id));
    }

    [Fact]
    public async Task A_second_writer_is_refused_with_an_error_naming_the_file_while_readers_go_on()
    {
        var writer = await OpenAsync(FilePath);
        await writer.AddAsync([Letter(1)], Now, CancellationToken.None);

        var error = await Assert.ThrowsAsync<DeadLetterFileException>(() => OpenAsync(FilePath));
        await using (var reader = JsonLinesDeadLetterFile.OpenReadOnly(FilePath))
            Assert.Single(await ListAsync(reader));

        Assert.Equal(DeadLetterFileProblem.InUse, error.Problem);
        Assert.Contains($"'{FilePath}' is in use by another process (a running pipeline", error.Message);
        await writer.DisposeAsync();
        await using var next = await OpenAsync(FilePath);
        Assert.Equal(1, await next.AddAsync([Letter(2)], Now, CancellationToken.None));
    }

    [Fact]
    public async Task Adds_from_parallel_steps_never_interleave_and_each_letter_gets_its_own_id()
    {
        await using var file = await OpenAsync(FilePath);

        var added = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => file.AddAsync([.. Enumerable.Range(i * 5, 10).Select(p => Letter(p, step: $"step-{i % 4}"))], Now, CancellationToken.None))));

        var expected = Enumerable.Range(0, 16).SelectMany(i => Enumerable.Range(i * 5, 10).Select(p => (i % 4, p))).Distinct().Count();
        Assert.Equal(expected, added.Sum());
        await using var reader = JsonLinesDeadLetterFile.OpenReadOnly(FilePath);
        var letters = await ListAsync(reader);
        Assert.Equal(Enumerable.Range(1, expected).Select(i => (long)i), letters.Select(l => l.Id));
        Assert.Equal(expected, letters.Select(l => (l.Step, l.Position)).Distinct().Count());
    }

    [Fact]
    public async Task A_reader_leaves_out_a_line_a_writer_has_not_finished()
    {
        await using var writer = await OpenAsync(FilePath);
        await writer.AddAsync([Letter(1), Letter(2)], Now, CancellationToken.None);
        await File.AppendAllTextAsync(FilePath, "{\"id\":3,\"pipeline\":\"ord");

        await using var reader = JsonLinesDeadLetterFile.OpenReadOnly(FilePath);

        Assert.Equal([1L, 2], (await ListAsync(reader)).Select(l => l.Id));
    }

    [Fact]
    public async Task A_missing_file_is_created_only_when_asked()
    {
        var missing = await Assert.ThrowsAsync<DeadLetterFileException>(() => OpenAsync(FilePath, create: false));
        Assert.Equal(DeadLetterFileProblem.NotFound, missing.Problem);
        Assert.Equal(DeadLetterFileProblem.NotFound, Assert.Throws<DeadLetterFileException>(() => JsonLinesDeadLetterFile.OpenReadOnly(FilePath)).Problem);
        Assert.False(File.Exists(FilePath));

        await using var created = await OpenAsync(FilePath, create: true);
        Assert.True(File.Exists(FilePath));
        Assert.Empty(await ListAsync(created));
    }

    [Fact]
    public async Task A_run_killed_after_its_letters_were_written_and_before_its_checkpoint_keeps_each_letter_once_on_resume()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var output = harness.Path("orders.jsonl");
        var step = new PipelineStepPlan
        {
            Name = "export",
            CreateSource = () => new MemorySource(250, p => p % 25 == 0),
            CreateSink = () => new CrashBeforeCheckpointSink(new JsonLinesFileSink(output, new(harness.Store), TimeProvider.System), crashAtBatch: 3),
            BatchSize = 40,
            Parallelism = 1,
            Retry = new() { RetryCount = 0 },
        };
        var plan = new PipelinePlan { Name = "orders", Steps = [step] };

        PipelineRun killed;
        await using (var letters = await OpenAsync(FilePath))
            killed = await new PipelineRunner(plan, harness.Services with { DeadLetters = letters }).RunAsync("run-1", null, CancellationToken.None);
        Assert.Equal(PipelineRunStatus.Failed, killed.Status);
        await using (var reader = JsonLinesDeadLetterFile.OpenReadOnly(FilePath))
            Assert.True((await ListAsync(reader)).Count > killed.Rejected, "the kill must leave letters of a batch whose checkpoint was never saved");

        PipelineRun resumed;
        await using (var letters = await OpenAsync(FilePath))
            resumed = await new PipelineRunner(plan with { Steps = [step with { CreateSink = () => new JsonLinesFileSink(output, new(harness.Store), TimeProvider.System) }] },
                harness.Services with { DeadLetters = letters }).RunAsync("run-1", killed, CancellationToken.None);

        Assert.Equal(PipelineRunStatus.CompletedWithRejections, resumed.Status);
        Assert.Equal(10, resumed.Rejected);
        await using var final = JsonLinesDeadLetterFile.OpenReadOnly(FilePath);
        var all = await ListAsync(final);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 25L), all.Select(l => l.Position));
        Assert.All(all, l => Assert.Equal(PipelineStage.Read, l.Stage));
        Assert.Equal("1,broken", all[0].Record);
    }

    /// <summary>Adds a batch's letters, then dies before the checkpoint is saved: a kill at the worst moment.</summary>
    private sealed class CrashBeforeCheckpointSink(IRecordSink inner, int crashAtBatch) : IRecordSink
    {
        private int _batches;

        public string DatasetNamespace => inner.DatasetNamespace;

        public string DatasetName => inner.DatasetName;

        public Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken) => inner.OpenAsync(context, cancellationToken);

        public Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken) =>
            inner.WriteAsync(records, async (refused, ct) =>
            {
                var checkpoint = await beforeCommit(refused, ct);
                return ++_batches == crashAtBatch ? throw new IOException("killed before the checkpoint") : checkpoint;
            }, cancellationToken);

        public Task CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

        public bool IsTransient(Exception exception) => false;

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
