using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Observers;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Pipelines.Observers;

public sealed class OpenLineageObserverTests : IDisposable
{
    private static readonly ResilienceOptions FastRetry = new() { RetryCount = 2, BaseDelay = TimeSpan.FromMilliseconds(10), UseJitter = false, AttemptTimeout = TimeSpan.FromSeconds(5) };

    private readonly TempDirectory _directory = new();
    private readonly HttpClientProvider _http = new();
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);
    private readonly List<string> _logLines = [];
    private readonly SecretRedactor _redactor = new();
    private readonly OpsLog _log;

    public OpenLineageObserverTests() =>
        _log = new OpsLog("test", new OpsLogOptions { Console = line => { lock (_logLines) _logLines.Add(line); } }, _redactor);

    public void Dispose()
    {
        _log.Dispose();
        _pipelines.Dispose();
        _http.Dispose();
        _directory.Dispose();
    }

    private OpenLineageObserver Observer(string? path = null, Uri? uri = null, ResilienceOptions? retry = null) =>
        new(new LineageOptions { Path = path, Uri = uri, Namespace = "ops" }, _http, _pipelines, TimeProvider.System, _log, retry ?? FastRetry);

    private static async Task RunThroughAsync(OpenLineageObserver observer, PipelineRunStatus status)
    {
        await observer.RunStartedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Running), OpenLineageEventsTests.Datasets, CancellationToken.None);
        await observer.RunEndedAsync(OpenLineageEventsTests.Run(status, error: status == PipelineRunStatus.Failed ? "boom" : null), OpenLineageEventsTests.Datasets, CancellationToken.None);
    }

    private static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [Theory]
    [InlineData(PipelineRunStatus.Succeeded, "COMPLETE")]
    [InlineData(PipelineRunStatus.CompletedWithRejections, "COMPLETE")]
    [InlineData(PipelineRunStatus.Failed, "FAIL")]
    [InlineData(PipelineRunStatus.Cancelled, "ABORT")]
    public async Task Events_are_appended_as_JSON_lines_START_first_in_a_folder_it_creates(PipelineRunStatus status, string endEvent)
    {
        var path = Path.Combine(_directory.Path, "lineage", "nested", "events.jsonl");
        var observer = Observer(path);

        await RunThroughAsync(observer, status);

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(["START", endEvent], lines.Select(l => (string?)JsonNode.Parse(l)!["eventType"]));
        Assert.Single(lines.Select(l => (string?)JsonNode.Parse(l)!["run"]!["runId"]).Distinct());
        Assert.False(observer.DeliveryFailed);
    }

    [Fact]
    public async Task Every_line_written_for_a_succeeded_failed_and_cancelled_run_is_a_valid_event()
    {
        var path = Path.Combine(_directory.Path, "events.jsonl");
        foreach (var status in new[] { PipelineRunStatus.Succeeded, PipelineRunStatus.Failed, PipelineRunStatus.Cancelled })
            await RunThroughAsync(Observer(path), status);

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(["START", "COMPLETE", "START", "FAIL", "START", "ABORT"], lines.Select(l => (string?)JsonNode.Parse(l)!["eventType"]));
        foreach (var line in lines) OpenLineageEventsTests.AssertValid(JsonNode.Parse(line)!);
    }

    [Fact]
    public async Task A_secret_the_log_knows_is_masked_in_the_FAIL_event_error_message()
    {
        var path = Path.Combine(_directory.Path, "events.jsonl");
        _redactor.AddSecret("s3cr3t-pass");

        await Observer(path).RunEndedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Failed, error: "login failed: Password=s3cr3t-pass"), OpenLineageEventsTests.Datasets, CancellationToken.None);

        var text = await File.ReadAllTextAsync(path);
        Assert.DoesNotContain("s3cr3t-pass", text, StringComparison.Ordinal);
        Assert.Contains(SecretRedactor.Mask, (string?)JsonNode.Parse(text)!["run"]!["facets"]!["errorMessage"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_later_run_appends_to_what_is_in_the_file()
    {
        var path = _directory.File("events.jsonl", "{\"earlier\":true}\n");

        await RunThroughAsync(Observer(path), PipelineRunStatus.Succeeded);

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("{\"earlier\":true}", lines[0]);
    }

    [Fact]
    public async Task Runs_ending_at_once_into_one_file_leave_every_line_whole()
    {
        var path = Path.Combine(_directory.Path, "events.jsonl");

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            Observer(path).RunStartedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Running, runId: $"run-{i}"), OpenLineageEventsTests.Datasets, CancellationToken.None))));

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(40, lines.Length);
        Assert.Equal(40, lines.Select(l => (string?)JsonNode.Parse(l)!["run"]!["runId"]).Distinct().Count());
    }

    [Fact]
    public async Task A_resumed_run_reports_RUNNING_under_the_same_run_id_instead_of_a_second_START()
    {
        var path = Path.Combine(_directory.Path, "resumed.jsonl");
        var observer = Observer(path);
        var first = OpenLineageEventsTests.Run(PipelineRunStatus.Running);
        await observer.RunStartedAsync(first, OpenLineageEventsTests.Datasets, CancellationToken.None);
        await observer.RunEndedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Failed, error: "killed"), OpenLineageEventsTests.Datasets, CancellationToken.None);
        await observer.RunStartedAsync(first with { Resumes = 1 }, OpenLineageEventsTests.Datasets, CancellationToken.None);
        await observer.RunEndedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Succeeded) with { Resumes = 1 }, OpenLineageEventsTests.Datasets, CancellationToken.None);

        var events = (await File.ReadAllLinesAsync(path)).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["START", "FAIL", "RUNNING", "COMPLETE"], events.Select(e => (string?)e["eventType"]));
        Assert.Single(events.Select(e => (string?)e["run"]!["runId"]).Distinct());
        foreach (var lineageEvent in events) OpenLineageEventsTests.AssertValid(lineageEvent);
    }

    [Fact]
    public async Task Events_are_posted_as_JSON_and_a_503_is_retried_until_the_endpoint_takes_it()
    {
        using var receiver = new RecordingReceiver(503, 200);
        var observer = Observer(uri: new Uri($"http://127.0.0.1:{receiver.Port}/api/v1/lineage"));

        await RunThroughAsync(observer, PipelineRunStatus.Succeeded);

        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("/api/v1/lineage", r.Path));
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(["START", "START", "COMPLETE"], receiver.Bodies.Select(b => (string?)b["eventType"]));
        Assert.False(observer.DeliveryFailed);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_is_reported()
    {
        using var receiver = new RecordingReceiver(400);
        var observer = Observer(uri: new Uri($"http://127.0.0.1:{receiver.Port}/api/v1/lineage"));

        await RunThroughAsync(observer, PipelineRunStatus.Succeeded);

        Assert.Equal(2, receiver.Requests.Count);
        Assert.True(observer.DeliveryFailed);
        Assert.Equal(2, observer.DeliveryErrors.Count);
        Assert.Contains("HTTP 400", observer.DeliveryErrors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_down_endpoint_is_logged_and_reported_while_the_file_still_gets_every_event()
    {
        var port = ClosedPort();
        var path = Path.Combine(_directory.Path, "events.jsonl");
        var observer = Observer(path, new Uri($"http://127.0.0.1:{port}/api/v1/lineage?api_key=hidden"));

        await RunThroughAsync(observer, PipelineRunStatus.Failed);

        Assert.Equal(2, (await File.ReadAllLinesAsync(path)).Length);
        Assert.True(observer.DeliveryFailed);
        Assert.Equal(2, observer.DeliveryErrors.Count);
        Assert.All(observer.DeliveryErrors, e => Assert.Contains($"127.0.0.1:{port}", e, StringComparison.Ordinal));
        Assert.DoesNotContain(observer.DeliveryErrors, e => e.Contains("hidden", StringComparison.Ordinal));
        lock (_logLines)
        {
            var warnings = _logLines.Select(l => JsonNode.Parse(l)!).Where(l => (string?)l["event.action"] == "lineage" && (string?)l["event.outcome"] == "failure").ToList();
            Assert.Equal(2, warnings.Count);
        }
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_times_out_each_attempt_and_is_reported()
    {
        await using var server = new FaultServer(Fault.NeverAnswer);
        var observer = Observer(uri: new Uri($"http://127.0.0.1:{server.Port}/api/v1/lineage"),
            retry: new ResilienceOptions { RetryCount = 1, BaseDelay = TimeSpan.FromMilliseconds(10), UseJitter = false, AttemptTimeout = TimeSpan.FromMilliseconds(300) });

        await observer.RunStartedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Running), OpenLineageEventsTests.Datasets, CancellationToken.None);

        Assert.Equal(2, server.Requests);
        Assert.Contains("did not answer in time", Assert.Single(observer.DeliveryErrors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_cancelled_while_its_START_is_posted_goes_on_and_the_event_is_reported_undelivered()
    {
        await using var server = new FaultServer(Fault.NeverAnswer);
        var observer = Observer(uri: new Uri($"http://127.0.0.1:{server.Port}/api/v1/lineage"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await observer.RunStartedAsync(OpenLineageEventsTests.Run(PipelineRunStatus.Running), OpenLineageEventsTests.Datasets, cancel.Token);

        Assert.Contains("cancelled", Assert.Single(observer.DeliveryErrors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_real_run_with_a_down_endpoint_succeeds_and_writes_START_then_COMPLETE()
    {
        using var harness = await PipelineHarness.CreateAsync();
        var path = harness.Path("lineage/events.jsonl");
        var observer = Observer(path, new Uri($"http://127.0.0.1:{ClosedPort()}/api/v1/lineage"));
        var plan = new PipelinePlan
        {
            Name = "orders",
            Steps =
            [
                new PipelineStepPlan
                {
                    Name = "load",
                    CreateSource = () => new MemorySource(25),
                    CreateSink = () => new SqliteSink(new SqliteSinkOptions { Path = harness.Path("out.db"), Table = "orders", Key = ["id"] }),
                    BatchSize = 10,
                    Parallelism = 1,
                },
            ],
        };

        var run = await new PipelineRunner(plan, harness.Services with { Observer = observer }).RunAsync(Guid.NewGuid().ToString(), null, CancellationToken.None);

        Assert.Equal(PipelineRunStatus.Succeeded, run.Status);
        Assert.True(observer.DeliveryFailed);
        var events = (await File.ReadAllLinesAsync(path)).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["START", "COMPLETE"], events.Select(e => (string?)e["eventType"]));
        Assert.Equal(run.RunId, (string?)events[1]["run"]!["runId"]);
        Assert.Equal("memory", (string?)events[0]["inputs"]![0]!["namespace"]);
        Assert.Equal(25, (long)events[1]["outputs"]![0]!["outputFacets"]!["outputStatistics"]!["rowCount"]!);
    }
}
