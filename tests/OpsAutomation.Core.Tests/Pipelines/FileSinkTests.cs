using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines;

public sealed class FileSinkTests
{
    private static PipelineStepPlan Step(Func<IRecordSink> sink, int count = 250) => new()
    {
        Name = "export",
        CreateSource = () => new MemorySource(count),
        CreateSink = sink,
        BatchSize = 40,
        Parallelism = 2,
        Retry = new() { RetryCount = 0 },
    };

    [Fact]
    public async Task A_CSV_sink_writes_RFC_4180_and_leaves_no_partial_file()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var path = harness.Path("out/orders.csv");
        var plan = new PipelinePlan { Name = "csv", Steps = [Step(() => new CsvFileSink(path, new(harness.Store), TimeProvider.System))] };

        var run = await harness.RunAsync(plan);

        Assert.Equal(PipelineRunStatus.Succeeded, run.Status);
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(251, lines.Length);
        Assert.Equal("id,name,amount", lines[0]);
        Assert.Equal("1,order 1,1.5", lines[1]);
        Assert.Empty(Directory.GetFiles(System.IO.Path.GetDirectoryName(path)!, "*.partial"));
    }

    [Fact]
    public async Task A_JSON_Lines_sink_killed_mid_run_and_resumed_holds_every_record_once()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var path = harness.Path("orders.jsonl");
        JsonLinesFileSink Sink() => new(path, new(harness.Store), TimeProvider.System);
        var plan = new PipelinePlan { Name = "jsonl", Steps = [Step(() => new FailingSink(Sink(), 3, () => new IOException("killed"), afterCommit: true))] };

        var killed = await harness.RunAsync(plan);
        Assert.Equal(PipelineRunStatus.Failed, killed.Status);
        Assert.False(File.Exists(path), "the target appears only when the load is complete");

        var resumed = await harness.RunAsync(plan with { Steps = [plan.Steps[0] with { CreateSink = Sink }] }, "run-1", killed);

        Assert.Equal(PipelineRunStatus.Succeeded, resumed.Status);
        var ids = (await File.ReadAllLinesAsync(path)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), ids);
    }

    [Fact]
    public async Task Fields_a_CSV_sink_has_no_column_for_are_refused_by_name()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var path = harness.Path("narrow.csv");
        var plan = new PipelinePlan { Name = "narrow", Steps = [Step(() => new CsvFileSink(path, new(harness.Store), TimeProvider.System, ["id", "name"]), 10)] };

        var run = await harness.RunAsync(plan);

        Assert.Equal(10, run.Rejected);
        Assert.Contains("Field 'amount' is not a column of 'narrow.csv' (id, name)", (await harness.DeadLettersAsync())[0].Error);
    }
}
