using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.Replay;

/// <summary>What a replay did: its run, the letters it loaded (now marked replayed), the ones that failed again, and the ones it could not replay.</summary>
public sealed record ReplayResult(PipelineRun Run, IReadOnlyList<DeadLetter> Replayed, IReadOnlyList<(DeadLetter Letter, string Error)> FailedAgain, IReadOnlyList<DeadLetter> NotReplayable);

/// <summary>
/// Sends dead letters of one step through that step again (after a fix to the data, the rules or
/// the sink) as a run of its own. A letter whose record loads is marked replayed, so it is never
/// replayed twice; one that fails again stays in the queue as it was, and the replay adds no new
/// letter for it. Letters of the Read stage hold raw text, not a record, and are not replayable.
/// </summary>
public sealed class DeadLetterReplay(IDeadLetterStore letters, PipelineServices services)
{
    public async Task<ReplayResult> ReplayAsync(PipelineStepPlan step, string pipeline, IReadOnlyList<DeadLetter> selected, string replayRunId, CancellationToken cancellationToken)
    {
        var replayable = selected.Where(l => l.Stage != PipelineStage.Read && l.ReplayedAt is null).ToList();
        var notReplayable = selected.Where(l => l.Stage == PipelineStage.Read).ToList();
        var failures = new FailureCollector();
        // The letters' records become JSON Lines: position i of the replay is replayable[i - 1].
        var text = Encoding.UTF8.GetBytes(string.Join('\n', replayable.Select(l => l.Record)));
        // A name of its own: a failed replay must never be what Start-DataPipeline -Resume continues.
        var plan = new PipelinePlan
        {
            Name = pipeline + " (replay)",
            Steps = [step with { DependsOn = [], CreateSource = () => new JsonLinesRecordSource(() => new MemoryStream(text), "dead letters"), FailFast = false, MaxRejectionRate = null }],
        };
        var run = await new PipelineRunner(plan, services with { DeadLetters = failures }).RunAsync(replayRunId, null, cancellationToken).ConfigureAwait(false);

        var failedAgain = failures.Letters.Select(f => (replayable[(int)f.Position - 1], f.Error)).ToList();
        var replayed = new List<DeadLetter>();
        if (run.Status is PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections)
        {
            var failedPositions = failures.Letters.Select(f => f.Position).ToHashSet();
            var loaded = replayable.Where((_, i) => !failedPositions.Contains(i + 1)).ToList();
            var marked = (await letters.MarkReplayedAsync([.. loaded.Select(l => l.Id)], replayRunId, services.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false)).ToHashSet();
            replayed.AddRange(loaded.Where(l => marked.Contains(l.Id)));
        }
        return new ReplayResult(run, replayed, failedAgain, notReplayable);
    }

    /// <summary>Takes the replay's own rejections instead of queueing them: the original letters stay.</summary>
    private sealed class FailureCollector : IDeadLetterSink
    {
        private readonly Dictionary<long, NewDeadLetter> _letters = [];

        public IReadOnlyCollection<NewDeadLetter> Letters
        {
            get { lock (_letters) return [.. _letters.Values]; }
        }

        public Task<int> AddAsync(IReadOnlyCollection<NewDeadLetter> letters, DateTimeOffset now, CancellationToken cancellationToken)
        {
            lock (_letters)
            {
                foreach (var letter in letters) _letters[letter.Position] = letter;
            }
            return Task.FromResult(letters.Count);
        }
    }
}
