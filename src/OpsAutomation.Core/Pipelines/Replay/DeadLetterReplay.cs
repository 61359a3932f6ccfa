using System.Runtime.CompilerServices;
using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.Replay;

/// <summary>
/// What one replay run did: the letters it loaded (now marked replayed) and the ones that failed
/// again (still letters, with their new reason); <paramref name="Resumed"/> when it finished a replay that had ended unfinished.
/// </summary>
public sealed record ReplayResult(PipelineRun Run, IReadOnlyList<DeadLetter> Replayed, IReadOnlyList<(DeadLetter Letter, string Error)> FailedAgain, bool Resumed);

/// <summary>How a replay holds its letters.</summary>
public sealed record DeadLetterReplayOptions
{
    /// <summary>
    /// How long a replay's claim on its letters lasts without renewal (a running replay renews it at
    /// the first batch after a quarter of it has passed). A claim of a process that has ended on this host is taken over at once; on another
    /// host only when the lease has run out. Default 10 minutes.
    /// </summary>
    public TimeSpan ClaimLease { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Sends dead letters of one step through that step again (after a fix to the data, the rules or
/// the sink) as a run of its own, so that each letter is loaded at most once and none is lost:
/// <list type="number">
/// <item>Claim: the replay claims its letters in the letter store with a conditional update (only
/// letters neither replayed nor claimed), numbering them; two replays at once never take one letter.</item>
/// <item>Load: the claimed letters are the run's input, in claim order. The sink commits each batch
/// with the run's checkpoint as for any run (a database sink in its own transaction), so the sink
/// itself records which letters it holds. A letter that fails again gets its new reason and is
/// released before its batch commits.</item>
/// <item>Complete: after the run, every letter still claimed is marked replayed.</item>
/// </list>
/// A replay killed in between leaves its claims; the next replay of the step takes them over
/// (their process has ended, or their lease ran out) and resumes that run from the sink's
/// checkpoint, so the letters the sink committed are not loaded again. The sink never overwrites
/// a record in a replay (a file sink appends to its file), and refuses a record whose key it holds
/// (see <see cref="Sinks.SinkReplay"/>).
/// Letters of the Read stage hold raw text, not a record, and are not replayable.
/// </summary>
public sealed class DeadLetterReplay(IDeadLetterStore letters, PipelineServices services, DeadLetterReplayOptions? options = null)
{
    private readonly DeadLetterReplayOptions _options = options ?? new DeadLetterReplayOptions();

    /// <summary>The name a replay's runs and checkpoints go by: never what Start-DataPipeline -Resume continues.</summary>
    public static string RunName(string pipeline) => pipeline + " (replay)";

    /// <summary>
    /// Finishes the replays of this step that ended without finishing, then replays the letters
    /// among <paramref name="selected"/> that no other replay holds, as <paramref name="replayRunId"/>.
    /// </summary>
    public async IAsyncEnumerable<ReplayResult> ReplayAsync(PipelineStepPlan step, string pipeline, IReadOnlyList<DeadLetter> selected, string replayRunId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A letter a finished replay tried (loaded or failed again) is not tried twice in one call.
        var tried = new HashSet<long>();
        foreach (var stale in await letters.TakeOverStaleClaimsAsync(pipeline, step.Name, Claimant(), services.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            var claimed = await letters.ListClaimedAsync(stale, cancellationToken).ConfigureAwait(false);
            tried.UnionWith(claimed.Select(l => l.Id));
            PipelineRun? earlier = null;
            await foreach (var run in services.Runs.ListAsync(RunName(pipeline), stale, 1, cancellationToken).ConfigureAwait(false)) earlier = run;
            yield return await RunAsync(step, pipeline, claimed, stale, earlier, cancellationToken).ConfigureAwait(false) with { Resumed = true };
        }

        var wanted = selected.Where(l => l.Stage != PipelineStage.Read && l.ReplayedAt is null && !tried.Contains(l.Id)).Select(l => l.Id).ToList();
        var mine = await letters.ClaimAsync(wanted, replayRunId, Claimant(), cancellationToken).ConfigureAwait(false);
        if (mine.Count > 0) yield return await RunAsync(step, pipeline, mine, replayRunId, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReplayResult> RunAsync(PipelineStepPlan step, string pipeline, IReadOnlyList<DeadLetter> claimed, string runId, PipelineRun? earlier,
        CancellationToken cancellationToken)
    {
        var failures = new ReplayFailures(letters, runId, Claimant, services.Time, _options.ClaimLease / 4);
        var plan = new PipelinePlan
        {
            Name = RunName(pipeline),
            Steps =
            [
                step with
                {
                    DependsOn = [],
                    CreateSource = () => new ClaimedLetterSource(claimed),
                    FailFast = false,
                    MaxRejectionRate = null,
                    Replay = true,
                },
            ],
        };
        PipelineRun? run = null;
        try
        {
            run = await new PipelineRunner(plan, services with { DeadLetters = failures }).RunAsync(runId, earlier, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Not finished (cancelled, failed, thrown): a lease that ends now lets the next replay take the claims over and resume.
            if (run is not { Status: PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections })
                await letters.RenewClaimsAsync(runId, ReplayClaimant.ThisProcess(services.Time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        }
        var byPosition = claimed.ToDictionary(l => l.ClaimPosition!.Value);
        var failedAgain = failures.Letters.Where(f => byPosition.ContainsKey(f.Position)).Select(f => (byPosition[f.Position], f.Error)).ToList();
        var replayed = new List<DeadLetter>();
        if (run.Status is PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections)
        {
            var marked = (await letters.CompleteReplayAsync(runId, services.Time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false)).ToHashSet();
            replayed.AddRange(claimed.Where(l => marked.Contains(l.Id)));
        }
        return new ReplayResult(run, replayed, failedAgain, Resumed: false);
    }

    private ReplayClaimant Claimant() => ReplayClaimant.ThisProcess(services.Time.GetUtcNow() + _options.ClaimLease);

    /// <summary>
    /// The replay's rejections: each letter that failed again gets its new reason and is released,
    /// inside the batch's commit (so before the sink records the batch), and the claims' lease is
    /// renewed once <paramref name="renewEvery"/> has passed (not every batch: it rewrites every claim).
    /// </summary>
    private sealed class ReplayFailures(IDeadLetterStore store, string runId, Func<ReplayClaimant> claimant, TimeProvider time, TimeSpan renewEvery) : IDeadLetterSink
    {
        private readonly Dictionary<long, NewDeadLetter> _letters = [];
        private DateTimeOffset _renewed = time.GetUtcNow();

        public IReadOnlyCollection<NewDeadLetter> Letters
        {
            get { lock (_letters) return [.. _letters.Values]; }
        }

        public async Task<int> AddAsync(IReadOnlyCollection<NewDeadLetter> letters, DateTimeOffset now, CancellationToken cancellationToken)
        {
            await store.FailReplayedAsync(runId, letters, cancellationToken).ConfigureAwait(false);
            if (time.GetUtcNow() - _renewed >= renewEvery)
            {
                await store.RenewClaimsAsync(runId, claimant(), cancellationToken).ConfigureAwait(false);
                _renewed = time.GetUtcNow();
            }
            lock (_letters)
            {
                foreach (var letter in letters) _letters[letter.Position] = letter;
            }
            return letters.Count;
        }
    }

    /// <summary>The claimed letters' records, each at its claim position and located where the original run read it.</summary>
    private sealed class ClaimedLetterSource(IReadOnlyList<DeadLetter> claimed) : IRecordSource
    {
        private readonly JsonLinesRecordSource _records = new(() => new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', claimed.Select(l => l.Record)))), "dead letters");

        public string Name => _records.Name;

        public string DatasetNamespace => _records.DatasetNamespace;

        public string DatasetName => _records.DatasetName;

        public async IAsyncEnumerable<SourceItem> ReadAsync(long skip, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            // The letters' records are JSON Lines: item i of the text is claimed[i - 1].
            await foreach (var item in _records.ReadAsync(0, cancellationToken).ConfigureAwait(false))
            {
                var letter = claimed[(int)item.Position - 1];
                var position = letter.ClaimPosition!.Value;
                if (position <= skip) continue;
                yield return item.Record is { } record
                    ? new DataRecord(record.Shape, record.Values, position, letter.Location)
                    : new SourceProblem(position, letter.Location, item.Problem!.Reason, item.Problem.RawText);
            }
        }

        public ValueTask DisposeAsync() => _records.DisposeAsync();
    }
}
