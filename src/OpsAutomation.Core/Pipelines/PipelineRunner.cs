using System.Diagnostics;
using System.Threading.Channels;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;
using Polly;

namespace OpsAutomation.Core.Pipelines;

/// <summary>What a run needs besides its plan.</summary>
public sealed record PipelineServices
{
    public required IDeadLetterSink DeadLetters { get; init; }

    public required PipelineRunStore Runs { get; init; }

    public required ResiliencePipelineProvider Resilience { get; init; }

    public required TimeProvider Time { get; init; }

    public required OpsLog Log { get; init; }

    public PipelineMetrics? Metrics { get; init; }

    public IProgress<PipelineProgress>? Progress { get; init; }

    /// <summary>Told when the run starts and ends (OpenLineage events).</summary>
    public IPipelineObserver? Observer { get; init; }
}

/// <summary>Hears of a run's start and end, with its datasets (lineage, alerts).</summary>
public interface IPipelineObserver
{
    Task RunStartedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken);

    Task RunEndedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken);
}

/// <summary>The datasets one step reads and writes, as OpenLineage names them.</summary>
public sealed record StepDatasets(string Step, string InputNamespace, string InputName, string OutputNamespace, string OutputName);

/// <summary>
/// Runs a pipeline's steps in dependency order. In a step, one reader cuts the source into
/// batches, workers validate and transform batches in parallel (or, with a Parallelism of 1, the
/// writer does), and one writer loads them in source order, each batch with its checkpoint in one
/// sink transaction. Bounded channels
/// between them keep memory flat: a slow sink slows the reader, never piles records up, and with
/// workers the batches read and not yet written are bounded too, so a stalled batch holds the
/// reader back instead of letting the batches after it wait in the writer without end.
/// </summary>
public sealed class PipelineRunner(PipelinePlan plan, PipelineServices services)
{
    /// <summary>
    /// Runs the pipeline as <paramref name="runId"/>. A run id that was started before resumes:
    /// finished steps are passed over, an unfinished one continues after its checkpoint.
    /// </summary>
    public async Task<PipelineRun> RunAsync(string runId, PipelineRun? resumed, CancellationToken cancellationToken)
    {
        var steps = PipelinePlan.Order(plan.Steps);
        var started = services.Time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var earlier = resumed?.Duration ?? TimeSpan.Zero;
        var results = new List<PipelineStepRun>();
        var run = new PipelineRun
        {
            RunId = runId,
            Pipeline = plan.Name,
            Status = PipelineRunStatus.Running,
            StartedAt = resumed?.StartedAt ?? started,
            Resumes = resumed is null ? 0 : resumed.Resumes + 1,
            Steps = resumed?.Steps ?? [],
            Duration = earlier,
        };
        await SaveAsync(run, cancellationToken).ConfigureAwait(false);
        services.Log.Write(new LogRecord
        {
            Message = resumed is null ? $"Pipeline {plan.Name} started" : $"Pipeline {plan.Name} resumed (attempt {run.Resumes + 1})",
            Action = "pipeline-start",
            Labels = new Dictionary<string, string?> { ["pipeline"] = plan.Name, ["pipeline_run"] = runId },
        });

        var datasets = new List<StepDatasets>();
        var sources = new Dictionary<string, IRecordSource>(StringComparer.OrdinalIgnoreCase);
        var sinks = new Dictionary<string, IRecordSink>(StringComparer.OrdinalIgnoreCase);
        Exception? failure = null;
        try
        {
            // Open every source and sink's description first: lineage names them at the start.
            foreach (var step in steps)
            {
                sources[step.Name] = step.CreateSource();
                sinks[step.Name] = step.CreateSink();
                datasets.Add(new StepDatasets(step.Name, sources[step.Name].DatasetNamespace, sources[step.Name].DatasetName, sinks[step.Name].DatasetNamespace, sinks[step.Name].DatasetName));
            }
            if (services.Observer is { } observer) await observer.RunStartedAsync(run, datasets, cancellationToken).ConfigureAwait(false);

            var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                var previous = run.Steps.FirstOrDefault(s => s.Step.Equals(step.Name, StringComparison.OrdinalIgnoreCase));
                PipelineStepRun result;
                if (previous is { Status: PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections })
                {
                    result = previous;
                }
                else if (step.DependsOn.FirstOrDefault(failed.Contains) is { } broken)
                {
                    result = new PipelineStepRun { Step = step.Name, Status = PipelineRunStatus.Failed, Error = $"Not run: step '{broken}' it depends on did not succeed." };
                }
                else
                {
                    result = await new StepRunner(plan.Name, runId, step, i + 1, steps.Count, sources[step.Name], sinks[step.Name], services)
                        .RunAsync(previous, cancellationToken).ConfigureAwait(false);
                }
                if (result.Status is PipelineRunStatus.Failed or PipelineRunStatus.Cancelled) failed.Add(step.Name);
                results.RemoveAll(r => r.Step.Equals(step.Name, StringComparison.OrdinalIgnoreCase));
                results.Add(result);
                run = Summarize(run, results, steps.Count, earlier + clock.Elapsed, null);
                await SaveAsync(run, CancellationToken.None).ConfigureAwait(false);
                if (result.Status == PipelineRunStatus.Cancelled) break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
        }
        finally
        {
            foreach (var source in sources.Values) await source.DisposeAsync().ConfigureAwait(false);
            foreach (var sink in sinks.Values) await sink.DisposeAsync().ConfigureAwait(false);
        }

        run = Summarize(run, results, steps.Count, earlier + clock.Elapsed, failure?.Message) with { EndedAt = services.Time.GetUtcNow() };
        if (cancellationToken.IsCancellationRequested && run.Status == PipelineRunStatus.Running) run = run with { Status = PipelineRunStatus.Cancelled };
        await SaveAsync(run, CancellationToken.None).ConfigureAwait(false);
        services.Metrics?.RecordRun(run);
        services.Log.Write(new LogRecord
        {
            Level = run.Status is PipelineRunStatus.Failed ? OpsLogLevel.Error : run.Status is PipelineRunStatus.Succeeded ? OpsLogLevel.Information : OpsLogLevel.Warning,
            Message = $"Pipeline {plan.Name} {run.Status}: {run.RecordsIn} in, {run.Loaded} loaded, {run.Rejected} rejected, {run.Filtered} filtered",
            Action = "pipeline-end",
            Outcome = run.Status is PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections ? "success" : "failure",
            Duration = run.Duration,
            ErrorMessage = run.Error,
            Labels = new Dictionary<string, string?> { ["pipeline"] = plan.Name, ["pipeline_run"] = runId, ["status"] = run.Status.ToString() },
        });
        if (services.Observer is { } done) await done.RunEndedAsync(run, datasets, CancellationToken.None).ConfigureAwait(false);
        return run;
    }

    private static PipelineRun Summarize(PipelineRun run, List<PipelineStepRun> results, int stepCount, TimeSpan duration, string? failure)
    {
        var status = failure is not null || results.Any(r => r.Status == PipelineRunStatus.Failed) ? PipelineRunStatus.Failed
            : results.Any(r => r.Status == PipelineRunStatus.Cancelled) ? PipelineRunStatus.Cancelled
            : results.Count < stepCount ? PipelineRunStatus.Running
            : results.Any(r => r.Rejected > 0) ? PipelineRunStatus.CompletedWithRejections
            : PipelineRunStatus.Succeeded;
        return run with
        {
            Status = status,
            Steps = [.. results],
            RecordsIn = results.Sum(r => r.RecordsIn),
            Loaded = results.Sum(r => r.Loaded),
            Rejected = results.Sum(r => r.Rejected),
            DeadLettered = results.Sum(r => r.DeadLettered),
            Filtered = results.Sum(r => r.Filtered),
            Retried = results.Sum(r => r.Retried),
            Duration = duration,
            Error = failure ?? results.FirstOrDefault(r => r.Error is not null)?.Error,
        };
    }

    private Task SaveAsync(PipelineRun run, CancellationToken cancellationToken) =>
        services.Runs.SaveAsync(run, Environment.ProcessId, services.Time.GetUtcNow(), cancellationToken);
}
