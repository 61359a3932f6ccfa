using System.Text.Json.Nodes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Observers;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines.Observers;

public sealed class CompositePipelineObserverTests
{
    [Fact]
    public async Task An_observer_that_throws_is_logged_and_the_others_still_hear_of_start_and_end()
    {
        var lines = new List<string>();
        using var log = new OpsLog("test", new OpsLogOptions { Console = line => { lock (lines) lines.Add(line); } }, new SecretRedactor());
        var first = new CountingObserver();
        var last = new CountingObserver();
        var composite = new CompositePipelineObserver([first, new ThrowingObserver(), last], log);
        var run = OpenLineageEventsTests.Run(PipelineRunStatus.Succeeded);

        await composite.RunStartedAsync(run, OpenLineageEventsTests.Datasets, CancellationToken.None);
        await composite.RunEndedAsync(run, OpenLineageEventsTests.Datasets, CancellationToken.None);

        Assert.Equal((1, 1), (first.Started, first.Ended));
        Assert.Equal((1, 1), (last.Started, last.Ended));
        var failures = lines.Select(l => JsonNode.Parse(l)!).Where(l => (string?)l["event.action"] == "pipeline-observer").ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Contains("ThrowingObserver", (string?)f["message"], StringComparison.Ordinal));
    }

    private sealed class CountingObserver : IPipelineObserver
    {
        public int Started { get; private set; }

        public int Ended { get; private set; }

        public Task RunStartedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken)
        {
            Started++;
            return Task.CompletedTask;
        }

        public Task RunEndedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken)
        {
            Ended++;
            return Task.CompletedTask;
        }
    }

    private sealed class ThrowingObserver : IPipelineObserver
    {
        // One throws before returning a task, the other faults the task: both must be contained.
        public Task RunStartedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("observer bug at start");

        public async Task RunEndedAsync(PipelineRun run, IReadOnlyList<StepDatasets> datasets, CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("observer bug at end");
        }
    }
}
