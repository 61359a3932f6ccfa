using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Pipelines.Observers;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Tests.Pipelines.Observers;

public sealed class PipelineAlertObserverTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);
    private readonly RecordingChannel _channel = new();
    private readonly OpsLog _log = new("test", new OpsLogOptions(), new SecretRedactor());
    private PipelineHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await PipelineHarness.CreateAsync();

    public Task DisposeAsync()
    {
        _harness.Dispose();
        _log.Dispose();
        _pipelines.Dispose();
        return Task.CompletedTask;
    }

    private PipelineRunStore Runs => new(_harness.Store);

    // A new observer per run, as each scheduled Start-DataPipeline builds its own.
    private PipelineAlertObserver Observer(PipelineAlerting? alerting = null, params INotificationChannel[] channels) =>
        new(alerting ?? new PipelineAlerting { Channels = channels.Length > 0 ? channels : [_channel] },
            new Notifier(_pipelines, new ResilienceOptions { RetryCount = 2, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) }),
            Runs, _time, _log);

    private static PipelineRun Run(string runId, PipelineRunStatus status, long recordsIn = 100, long rejected = 0, string? error = null, int resumes = 0) => new()
    {
        RunId = runId,
        Pipeline = "orders",
        Status = status,
        StartedAt = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero).AddMinutes(int.Parse(runId.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture)),
        EndedAt = new DateTimeOffset(2026, 11, 30, 8, 0, 30, TimeSpan.Zero).AddMinutes(int.Parse(runId.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture)),
        RecordsIn = recordsIn,
        Loaded = recordsIn - rejected,
        Rejected = rejected,
        Resumes = resumes,
        Error = error,
    };

    /// <summary>Saves the run as the runner does before telling observers, then tells it the run ended.</summary>
    private async Task EndAsync(PipelineAlertObserver observer, PipelineRun run)
    {
        await Runs.SaveAsync(run, Environment.ProcessId, _time.GetUtcNow(), CancellationToken.None);
        await observer.RunEndedAsync(run, OpenLineageEventsTests.Datasets, CancellationToken.None);
    }

    [Fact]
    public async Task A_failed_run_sends_one_firing_PipelineFailed_alert_naming_pipeline_run_and_counts()
    {
        await EndAsync(Observer(), Run("run-1", PipelineRunStatus.Failed, recordsIn: 40, error: "database is locked"));

        var sent = Assert.Single(_channel.Sent);
        Assert.Equal(AlertState.Firing, sent.State);
        Assert.Equal("PipelineFailed", sent.AlertName);
        Assert.Equal(HealthSeverity.Error, sent.Severity);
        Assert.Equal("opsautomation/pipeline/orders/PipelineFailed", sent.DedupKey);
        Assert.Contains("orders", sent.Summary, StringComparison.Ordinal);
        Assert.Contains("run-1", sent.Summary, StringComparison.Ordinal);
        Assert.Contains("database is locked", sent.Summary, StringComparison.Ordinal);
        Assert.Contains("40 in", sent.Description, StringComparison.Ordinal);
        Assert.Equal("orders", sent.Labels["pipeline"]);
        Assert.Equal("run-1", sent.Labels["run"]);
    }

    [Fact]
    public async Task A_failed_run_sends_nothing_when_OnFailure_is_off()
    {
        await EndAsync(Observer(new PipelineAlerting { OnFailure = false, Channels = [_channel] }), Run("run-1", PipelineRunStatus.Failed, error: "boom"));

        Assert.Empty(_channel.Sent);
    }

    [Fact]
    public async Task A_rejection_rate_above_the_threshold_fires_PipelineRejectionRateHigh_with_the_numbers()
    {
        await EndAsync(Observer(new PipelineAlerting { RejectionRateThreshold = 0.05, Channels = [_channel] }),
            Run("run-1", PipelineRunStatus.CompletedWithRejections, recordsIn: 200, rejected: 11));

        var sent = Assert.Single(_channel.Sent);
        Assert.Equal("PipelineRejectionRateHigh", sent.AlertName);
        Assert.Equal(AlertState.Firing, sent.State);
        Assert.Equal(HealthSeverity.Warning, sent.Severity);
        Assert.Contains("11 of 200", sent.Summary, StringComparison.Ordinal);
        Assert.Contains("5.5", sent.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejection_rate_at_the_threshold_does_not_alert()
    {
        await EndAsync(Observer(new PipelineAlerting { RejectionRateThreshold = 0.05, Channels = [_channel] }),
            Run("run-1", PipelineRunStatus.CompletedWithRejections, recordsIn: 200, rejected: 10));

        Assert.Empty(_channel.Sent);
    }

    [Fact]
    public async Task A_failed_run_that_also_rejected_too_much_sends_both_alerts_with_their_own_keys()
    {
        await EndAsync(Observer(), Run("run-1", PipelineRunStatus.Failed, recordsIn: 10, rejected: 5, error: "boom"));

        Assert.Equal(["PipelineFailed", "PipelineRejectionRateHigh"], _channel.Sent.Select(n => n.AlertName));
        Assert.Equal(2, _channel.Sent.Select(n => n.DedupKey).Distinct().Count());
    }

    [Fact]
    public async Task A_good_run_after_a_failed_one_resolves_the_failure_alert_in_a_later_process()
    {
        await EndAsync(Observer(), Run("run-1", PipelineRunStatus.Failed, error: "boom"));
        _time.Advance(TimeSpan.FromHours(1));

        await EndAsync(Observer(), Run("run-2", PipelineRunStatus.Succeeded));

        Assert.Equal([AlertState.Firing, AlertState.Resolved], _channel.Sent.Select(n => n.State));
        var resolved = _channel.Sent[1];
        Assert.Equal(_channel.Sent[0].DedupKey, resolved.DedupKey);
        Assert.Equal("PipelineFailed", resolved.AlertName);
        Assert.Equal(_time.GetUtcNow(), resolved.EndsAt);
        Assert.Equal("run-2", resolved.Labels["run"]);
    }

    [Fact]
    public async Task A_good_run_after_a_good_run_sends_nothing()
    {
        await EndAsync(Observer(), Run("run-1", PipelineRunStatus.Succeeded));
        await EndAsync(Observer(), Run("run-2", PipelineRunStatus.CompletedWithRejections, rejected: 1));

        Assert.Empty(_channel.Sent);
    }

    [Fact]
    public async Task A_run_back_under_the_threshold_resolves_only_the_rejection_alert()
    {
        await EndAsync(Observer(), Run("run-1", PipelineRunStatus.CompletedWithRejections, rejected: 30));
        await EndAsync(Observer(), Run("run-2", PipelineRunStatus.CompletedWithRejections, rejected: 1));

        Assert.Equal([(AlertState.Firing, "PipelineRejectionRateHigh"), (AlertState.Resolved, "PipelineRejectionRateHigh")],
            _channel.Sent.Select(n => (n.State, n.AlertName)));
    }

    [Fact]
    public async Task A_failed_run_resumed_to_success_resolves_its_own_failure_alert()
    {
        var failed = Run("run-1", PipelineRunStatus.Failed, error: "boom") with
        {
            Steps = [new PipelineStepRun { Step = "load", Status = PipelineRunStatus.Failed, RecordsIn = 50, Loaded = 50, Error = "boom" }],
        };
        await EndAsync(Observer(), failed);

        // The runner hands the resumed attempt's steps over at the start and saves the run as Running first.
        var observer = Observer();
        var resumed = failed with { Status = PipelineRunStatus.Running, Resumes = 1, Error = null, EndedAt = null };
        await Runs.SaveAsync(resumed, Environment.ProcessId, _time.GetUtcNow(), CancellationToken.None);
        await observer.RunStartedAsync(resumed, OpenLineageEventsTests.Datasets, CancellationToken.None);
        await EndAsync(observer, Run("run-1", PipelineRunStatus.Succeeded, resumes: 1));

        Assert.Equal([AlertState.Firing, AlertState.Resolved], _channel.Sent.Select(n => n.State));
        Assert.All(_channel.Sent, n => Assert.Equal("PipelineFailed", n.AlertName));
    }

    [Fact]
    public async Task A_run_killed_before_its_end_neither_fires_nor_counts_as_the_previous_run()
    {
        await EndAsync(Observer(), Run("run-1", PipelineRunStatus.Failed, error: "boom"));
        await Runs.SaveAsync(Run("run-2", PipelineRunStatus.Running) with { EndedAt = null }, 1, _time.GetUtcNow(), CancellationToken.None);

        await EndAsync(Observer(), Run("run-3", PipelineRunStatus.Succeeded));

        Assert.Equal([AlertState.Firing, AlertState.Resolved], _channel.Sent.Select(n => n.State));
    }

    [Fact]
    public async Task The_alert_reaches_a_webhook_through_the_notifier_after_a_503_and_a_down_channel_is_reported_not_thrown()
    {
        using var receiver = new RecordingReceiver(503, 200);
        using var http = new System.Net.Http.HttpClient();
        var webhook = new WebhookChannel(http, new Uri(receiver.Url), []);
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var down = new WebhookChannel(http, new Uri($"http://127.0.0.1:{closedPort}/hook"), []);
        var observer = Observer(null, webhook, down);

        await EndAsync(observer, Run("run-1", PipelineRunStatus.Failed, error: "boom"));

        Assert.Equal(2, receiver.Requests.Count);
        var body = receiver.Bodies[1];
        Assert.Equal("firing", (string?)body["state"]);
        Assert.Equal("PipelineFailed", (string?)body["alertName"]);
        Assert.Equal("opsautomation/pipeline/orders/PipelineFailed", (string?)body["dedupKey"]);
        Assert.Equal([true, false], observer.Deliveries.Select(d => d.Delivered));
    }

    private sealed class RecordingChannel : INotificationChannel
    {
        public List<Notification> Sent { get; } = [];

        public string Name => "recording";

        public bool RepeatWhileFiring => false;

        public Task SendAsync(Notification notification, CancellationToken cancellationToken)
        {
            lock (Sent) Sent.Add(notification);
            return Task.CompletedTask;
        }
    }
}
