using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.Observers;

/// <summary>
/// Tells several observers at once. An observer that throws is logged and passed over: lineage
/// or alerting going wrong never fails a run, nor keeps the other observers from hearing of it.
/// </summary>
public sealed class CompositePipelineObserver(IReadOnlyList<IPipelineObserver> observers, OpsLog log) : IPipelineObserver
{
    public IReadOnlyList<IPipelineObserver> Observers { get; } = observers;

    public Task RunStartedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken) =>
        Task.WhenAll(Observers.Select(o => GuardedAsync(o, run, "start", () => o.RunStartedAsync(run, datasets, cancellationToken))));

    public Task RunEndedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken) =>
        Task.WhenAll(Observers.Select(o => GuardedAsync(o, run, "end", () => o.RunEndedAsync(run, datasets, cancellationToken))));

    private async Task GuardedAsync(IPipelineObserver observer, PipelineRun run, string moment, Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any observer's bug must stay out of the run; it is logged with its exception.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            log.Write(new LogRecord
            {
                Level = OpsLogLevel.Warning,
                Message = $"Pipeline {run.Pipeline} run {run.RunId}: observer {observer.GetType().Name} failed at the run's {moment}: {ex.Message}",
                Action = "pipeline-observer",
                Outcome = "failure",
                ErrorType = ex.GetType().FullName,
                ErrorMessage = ex.ToString(),
                Labels = new Dictionary<string, string?> { ["pipeline"] = run.Pipeline, ["pipeline_run"] = run.RunId },
            });
        }
    }
}
