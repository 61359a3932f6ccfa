using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Incidents.Escalation;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Resilience;
using OpsAutomation.TestServers;

namespace OpsAutomation.Core.Tests.Incidents.Escalation;

/// <summary>
/// The escalation engine over a real state store, the PagerDuty stand-in and local receivers (a
/// webhook, an Alertmanager endpoint); time is a FakeTimeProvider, so delays pass without sleeping.
/// Every run is a new engine on the same store, as scheduled runs are.
/// </summary>
public sealed class EscalationEngineTests : IAsyncLifetime, IDisposable
{
    private const string RoutingKey = "0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly HttpClientProvider _http = new();
    private readonly ResiliencePipelineProvider _pipelines = new(TimeProvider.System);
    private PagerDutyStandIn _pagerDuty = null!;
    private StateStore _store = null!;
    private IncidentStore _incidents = null!;

    public async Task InitializeAsync()
    {
        _pagerDuty = await PagerDutyStandIn.StartAsync();
        _store = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        _incidents = new IncidentStore(_store, _time);
    }

    public async Task DisposeAsync()
    {
        // Whatever a test did, the module never sent PagerDuty a malformed event.
        Assert.Empty(_pagerDuty.Rejections);
        await _pagerDuty.DisposeAsync();
    }

    public void Dispose()
    {
        _pipelines.Dispose();
        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Levels_advance_when_their_delay_passes_and_not_before()
    {
        using var slack = new RecordingReceiver(202);
        var policies = Policies(Level(0, Webhook(slack)), Level("15m", PagerDuty()));
        var incident = await OpenAsync();

        var first = await RunAsync(policies, incident.Id);
        Assert.Equal((EscalationAction.Escalated, 0, 1), (first!.Action, first.LevelBefore, first.LevelAfter));
        Assert.Equal(T0.AddMinutes(15), first.NextEscalationAt);
        Assert.Single(slack.Requests);
        Assert.Empty(_pagerDuty.Events);

        _time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        var early = await RunAsync(policies, incident.Id);
        Assert.Equal((EscalationAction.Waiting, 1, 1), (early!.Action, early.LevelBefore, early.LevelAfter));
        Assert.Empty(_pagerDuty.Events);

        _time.Advance(TimeSpan.FromSeconds(1));
        var due = await RunAsync(policies, incident.Id);
        Assert.Equal((EscalationAction.Escalated, 1, 2), (due!.Action, due.LevelBefore, due.LevelAfter));
        Assert.Null(due.NextEscalationAt);
        Assert.Equal("triggered", _pagerDuty.Alert(EscalationEngine.DedupKey(incident))!.Status);
        Assert.Single(slack.Requests);

        _time.Advance(TimeSpan.FromHours(3));
        var top = await RunAsync(policies, incident.Id);
        Assert.Equal((EscalationAction.Waiting, 2, 2), (top!.Action, top.LevelBefore, top.LevelAfter));
        Assert.Single(_pagerDuty.Events);

        var stored = (await _incidents.GetAsync(incident.Id, CancellationToken.None))!;
        Assert.Equal(2, stored.EscalationLevel);
        var escalations = stored.Timeline.Where(e => e.Kind == IncidentEventKind.Escalation).ToList();
        Assert.Contains(escalations, e => e.Message.StartsWith("Escalated to level 1", StringComparison.Ordinal) && e.Timestamp == T0);
        Assert.Contains(escalations, e => e.Message.StartsWith("Escalated to level 2", StringComparison.Ordinal) && e.Timestamp == T0.AddMinutes(15));
        Assert.Contains(escalations, e => e.Details.GetValueOrDefault("channel", "").StartsWith("PagerDuty", StringComparison.Ordinal) && e.Details["delivered"] == "true");
    }

    [Fact]
    public async Task A_delay_from_the_opening_counts_from_the_opening_not_from_the_previous_level()
    {
        using var first = new RecordingReceiver(202);
        using var second = new RecordingReceiver(202);
        var policies = Policies(Level("10m", Webhook(first)), Level("30m", Webhook(second), from: "Opened"));
        var incident = await OpenAsync();

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, (await RunAsync(policies, incident.Id))!.LevelAfter);
        _time.Advance(TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(1));
        Assert.Equal(EscalationAction.Waiting, (await RunAsync(policies, incident.Id))!.Action);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, (await RunAsync(policies, incident.Id))!.LevelAfter);
    }

    [Fact]
    public async Task A_rerun_never_pages_twice()
    {
        using var slack = new RecordingReceiver(202);
        var policies = Policies(Level(0, Webhook(slack), PagerDuty()));
        var incident = await OpenAsync();

        await RunAsync(policies, incident.Id);
        var again = await RunAsync(policies, incident.Id);
        _time.Advance(TimeSpan.FromHours(1));
        var later = await RunAsync(policies, incident.Id);

        Assert.Equal(EscalationAction.Waiting, again!.Action);
        Assert.Empty(again.Notified);
        Assert.Equal(EscalationAction.Waiting, later!.Action);
        Assert.Single(slack.Requests);
        Assert.Single(_pagerDuty.Events);
        Assert.Equal(1, _pagerDuty.Alert(EscalationEngine.DedupKey(incident))!.Triggers);
    }

    [Fact]
    public async Task Two_runs_at_once_page_once()
    {
        using var slack = new RecordingReceiver(202);
        using var flaky = new RecordingReceiver(503, 202);
        var policies = Policies(Level(0, Webhook(slack), Webhook(flaky)));
        var incident = await OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => RunAsync(policies, incident.Id))));
        _time.Advance(TimeSpan.FromMinutes(1));
        // The page flaky refused is owed: of four runs that find it owed at once, one sends it again.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => RunAsync(policies, incident.Id))));

        Assert.Single(slack.Requests);
        Assert.Equal(2, flaky.Requests.Count);
        Assert.Equal(1, (await _incidents.GetAsync(incident.Id, CancellationToken.None))!.EscalationLevel);
    }

    [Fact]
    public async Task A_channel_that_is_down_is_sent_the_page_again_next_run_and_the_other_is_not_paged_again()
    {
        using var steady = new RecordingReceiver(202);
        using var down = new RecordingReceiver(503, 503, 202);
        var policies = Policies(Level(0, Webhook(steady), Webhook(down)));
        var incident = await OpenAsync();

        var first = await RunAsync(policies, incident.Id);
        Assert.Equal(EscalationAction.Escalated, first!.Action);
        Assert.Single(first.Notified);
        Assert.Contains("HTTP 503", Assert.Single(first.Failed));

        // Sent again no sooner than RetryAfter (1 minute) after the last attempt: by the next scheduled run.
        Assert.Equal(EscalationAction.Waiting, (await RunAsync(policies, incident.Id))!.Action);
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await RunAsync(policies, incident.Id);
        Assert.Equal(EscalationAction.Retried, second!.Action);
        Assert.Single(second.Failed);

        _time.Advance(TimeSpan.FromMinutes(1));
        var third = await RunAsync(policies, incident.Id);
        Assert.Equal(EscalationAction.Retried, third!.Action);
        Assert.Equal([$"Webhook (127.0.0.1:{down.Port}): trigger"], third.Notified);
        Assert.Empty(third.Failed);

        _time.Advance(TimeSpan.FromMinutes(1));
        var fourth = await RunAsync(policies, incident.Id);
        Assert.Equal(EscalationAction.Waiting, fourth!.Action);
        Assert.Single(steady.Requests);
        Assert.Equal(3, down.Requests.Count);
        Assert.Single(down.Bodies.Select(b => (string?)b["dedupKey"]).Distinct());

        var timeline = (await _incidents.GetAsync(incident.Id, CancellationToken.None))!.Timeline;
        Assert.Equal(2, timeline.Count(e => e.Details.GetValueOrDefault("delivered") == "false"));
        Assert.Contains(timeline, e => e.Message.Contains("(sent again)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PagerDuty_throttling_leaves_the_page_owed_until_a_later_run_gets_it_through()
    {
        var policies = Policies(Level(0, PagerDuty()));
        var incident = await OpenAsync();
        _pagerDuty.RateLimitNext = 1;

        var throttled = await RunAsync(policies, incident.Id);
        Assert.Contains("429", Assert.Single(throttled!.Failed));
        Assert.Null(_pagerDuty.Alert(EscalationEngine.DedupKey(incident)));

        _time.Advance(TimeSpan.FromMinutes(1));
        var retried = await RunAsync(policies, incident.Id);
        Assert.Equal(EscalationAction.Retried, retried!.Action);
        Assert.Equal("triggered", _pagerDuty.Alert(EscalationEngine.DedupKey(incident))!.Status);
    }

    [Fact]
    public async Task Acknowledging_stops_the_escalation_and_acknowledges_in_PagerDuty()
    {
        using var manager = new RecordingReceiver(202);
        var policies = Policies(Level(0, PagerDuty()), Level("10m", Webhook(manager)));
        var incident = await OpenAsync();
        await RunAsync(policies, incident.Id);

        await _incidents.UpdateAsync(incident.Id, i => i with { State = IncidentState.Acknowledged, Owner = "ana@ops", AcknowledgedAt = _time.GetUtcNow() },
            CancellationToken.None);
        var acknowledged = await RunAsync(policies, incident.Id);
        Assert.Equal((EscalationAction.Acknowledged, 1, 1), (acknowledged!.Action, acknowledged.LevelBefore, acknowledged.LevelAfter));
        Assert.Null(acknowledged.NextEscalationAt);
        var alert = _pagerDuty.Alert(EscalationEngine.DedupKey(incident))!;
        Assert.Equal(("acknowledged", 1), (alert.Status, alert.Acknowledges));

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Null(await RunAsync(policies, incident.Id));
        Assert.Empty(manager.Requests);
        Assert.Equal(2, _pagerDuty.Events.Count);
        Assert.Contains((await _incidents.GetAsync(incident.Id, CancellationToken.None))!.Timeline,
            e => e.Kind == IncidentEventKind.Escalation && e.Message.StartsWith("Escalation stopped at level 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resolving_resolves_on_every_channel_that_was_paged_and_only_there()
    {
        using var hook = new RecordingReceiver(202);
        using var alertmanager = new RecordingReceiver(200);
        using var never = new RecordingReceiver(202);
        var policies = Policies(Level(0, PagerDuty(), Webhook(hook), Alertmanager(alertmanager)), Level("1h", Webhook(never)));
        var incident = await OpenAsync();
        await RunAsync(policies, incident.Id);
        // Alertmanager forgets an alert that is not re-sent: every run sends it the firing again.
        var repeat = await RunAsync(policies, incident.Id);
        Assert.Equal(EscalationAction.Waiting, repeat!.Action);
        Assert.Equal([$"Alertmanager (127.0.0.1:{alertmanager.Port}): trigger"], repeat.Notified);
        Assert.Equal(2, alertmanager.Requests.Count);

        _time.Advance(TimeSpan.FromMinutes(5));
        await _incidents.UpdateAsync(incident.Id, i => i with { State = IncidentState.Resolved, ResolvedAt = _time.GetUtcNow() }, CancellationToken.None);
        var resolved = await RunAsync(policies, incident.Id);

        Assert.Equal(EscalationAction.Resolved, resolved!.Action);
        Assert.Equal(3, resolved.Notified.Count);
        Assert.Equal("resolved", _pagerDuty.Alert(EscalationEngine.DedupKey(incident))!.Status);
        Assert.Equal(["firing", "resolved"], hook.Bodies.Select(b => (string?)b["state"]));
        var last = alertmanager.Bodies[^1].AsArray()[0]!;
        Assert.Equal(_time.GetUtcNow().UtcDateTime.ToString("O"), (string?)last["endsAt"]);
        Assert.Equal(incident.Id, (string?)last["labels"]!["incident"]);

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await RunAllAsync(policies));
        Assert.Empty(never.Requests);
        Assert.Equal(3, alertmanager.Requests.Count);
        Assert.Equal(2, hook.Requests.Count);
    }

    [Fact]
    public async Task A_resolve_a_channel_refused_is_sent_again_and_a_page_it_never_took_is_dropped()
    {
        using var refusesResolve = new RecordingReceiver(202, 500, 202);
        using var neverUp = new RecordingReceiver(503);
        var policies = Policies(Level(0, Webhook(refusesResolve), Webhook(neverUp)));
        var incident = await OpenAsync();
        await RunAsync(policies, incident.Id);
        await _incidents.UpdateAsync(incident.Id, i => i with { State = IncidentState.Resolved, ResolvedAt = _time.GetUtcNow() }, CancellationToken.None);

        var resolved = await RunAsync(policies, incident.Id);
        Assert.Single(resolved!.Failed);
        _time.Advance(TimeSpan.FromMinutes(1));
        var retried = Assert.Single(await RunAllAsync(policies));
        Assert.Equal(EscalationAction.Retried, retried.Action);
        Assert.Empty(await RunAllAsync(policies));

        Assert.Equal(["firing", "resolved", "resolved"], refusesResolve.Bodies.Select(b => (string?)b["state"]));
        Assert.Single(neverUp.Requests);
    }

    [Fact]
    public async Task An_escalate_marker_from_a_runbook_escalates_at_once_and_only_once()
    {
        using var first = new RecordingReceiver(202);
        using var second = new RecordingReceiver(202);
        var policies = Policies(Level(0, Webhook(first)), Level("1h", Webhook(second)));
        var incident = await OpenAsync();
        await RunAsync(policies, incident.Id);

        _time.Advance(TimeSpan.FromMinutes(3));
        await _incidents.AppendAsync(incident.Id, new IncidentTimelineEntry
        {
            Timestamp = _time.GetUtcNow(), Kind = IncidentEventKind.Verification, Actor = "runbook", Message = "checkout still Unhealthy after restart",
            Details = new Dictionary<string, string> { ["escalate"] = "true" },
        }, CancellationToken.None);
        var escalated = await RunAsync(policies, incident.Id);

        Assert.Equal((EscalationAction.Escalated, 1, 2), (escalated!.Action, escalated.LevelBefore, escalated.LevelAfter));
        Assert.Contains("runbook asked to escalate", escalated.Reason, StringComparison.Ordinal);
        Assert.Single(second.Requests);
        Assert.Equal(EscalationAction.Waiting, (await RunAsync(policies, incident.Id))!.Action);
        Assert.Single(second.Requests);
    }

    [Fact]
    public async Task A_marker_older_than_the_last_escalation_does_not_escalate_again()
    {
        using var first = new RecordingReceiver(202);
        using var second = new RecordingReceiver(202);
        var policies = Policies(Level(0, Webhook(first)), Level("1h", Webhook(second)));
        var incident = await OpenAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await RunAsync(policies, incident.Id);
        await _incidents.AppendAsync(incident.Id, new IncidentTimelineEntry
        {
            Timestamp = T0, Kind = IncidentEventKind.Action, Actor = "runbook", Message = "restart failed",
            Details = new Dictionary<string, string> { ["escalate"] = "true" },
        }, CancellationToken.None);

        var run = await RunAsync(policies, incident.Id);

        Assert.Equal((EscalationAction.Waiting, 1), (run!.Action, run.LevelAfter));
        Assert.Empty(second.Requests);
    }

    [Fact]
    public async Task A_declined_confirmation_sends_nothing_records_nothing_and_says_what_would_be_sent()
    {
        using var hook = new RecordingReceiver(202);
        var policies = Policies(Level(0, Webhook(hook), PagerDuty()));
        var incident = await OpenAsync();
        string? asked = null;

        var preview = await Engine(policies).EscalateAsync(incident.Id, (_, what) => { asked = what; return Task.FromResult(false); }, CancellationToken.None);

        Assert.True(preview!.WhatIf);
        Assert.Equal(1, preview.LevelAfter);
        Assert.Equal(2, preview.Notified.Count);
        Assert.Contains("escalate to level 1", asked, StringComparison.Ordinal);
        Assert.Empty(hook.Requests);
        Assert.Empty(_pagerDuty.Events);
        Assert.Null(await new EscalationStateStore(_store).ReadAsync(incident.Id, CancellationToken.None));
        Assert.Equal(0, (await _incidents.GetAsync(incident.Id, CancellationToken.None))!.EscalationLevel);

        var real = await RunAsync(policies, incident.Id);
        Assert.False(real!.WhatIf);
        Assert.Single(hook.Requests);
    }

    [Fact]
    public async Task A_reopened_incident_escalates_afresh()
    {
        var policies = Policies(Level(0, PagerDuty()));
        var incident = await OpenAsync();
        await RunAsync(policies, incident.Id);
        await _incidents.UpdateAsync(incident.Id, i => i with { State = IncidentState.Resolved, ResolvedAt = _time.GetUtcNow() }, CancellationToken.None);
        await RunAsync(policies, incident.Id);
        _time.Advance(TimeSpan.FromMinutes(5));
        await _incidents.UpdateAsync(incident.Id, i => i with { State = IncidentState.Triggered, ResolvedAt = null, Reopened = 1 }, CancellationToken.None);

        var reopened = await RunAsync(policies, incident.Id);

        Assert.Equal((EscalationAction.Escalated, 1), (reopened!.Action, reopened.LevelAfter));
        var alert = _pagerDuty.Alert(EscalationEngine.DedupKey(incident))!;
        Assert.Equal(("triggered", 2, 1), (alert.Status, alert.Triggers, alert.Resolves));
    }

    [Fact]
    public async Task A_repeating_policy_starts_again_at_level_1_after_its_repeat_delay()
    {
        using var first = new RecordingReceiver(202);
        using var second = new RecordingReceiver(202);
        var policies = RepeatingPolicies(new Dictionary<string, object?> { ["Count"] = 1L, ["Delay"] = "30m" }, Level(0, Webhook(first)), Level("10m", Webhook(second)));
        var incident = await OpenAsync();

        await RunAsync(policies, incident.Id);
        _time.Advance(TimeSpan.FromMinutes(10));
        await RunAsync(policies, incident.Id);
        _time.Advance(TimeSpan.FromMinutes(30));
        var repeated = await RunAsync(policies, incident.Id);
        _time.Advance(TimeSpan.FromMinutes(10));
        var again = await RunAsync(policies, incident.Id);
        _time.Advance(TimeSpan.FromHours(5));
        var done = await RunAsync(policies, incident.Id);

        Assert.Equal((2, 1, 2), (repeated!.LevelBefore, repeated.LevelAfter, repeated.Round));
        Assert.Equal((2, 2), (again!.LevelAfter, again.Round));
        Assert.Null(again.NextEscalationAt);
        Assert.Equal(EscalationAction.Waiting, done!.Action);
        Assert.Equal(2, first.Requests.Count);
        Assert.Equal(2, second.Requests.Count);
    }

    [Fact]
    public async Task Incidents_no_policy_takes_are_passed_over_and_a_run_covers_every_open_incident()
    {
        using var hook = new RecordingReceiver(202);
        var policies = EscalationPolicyReader.Read(new Dictionary<string, object?>
        {
            ["Policies"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["Name"] = "checkout", ["Service"] = "check*", ["MinimumSeverity"] = "Error",
                    ["Levels"] = new List<object?> { Level(0, Webhook(hook)) },
                },
            },
        }, "escalation.psd1", Channel);
        var taken = await OpenAsync("checkout");
        await OpenAsync("search");
        await OpenAsync("checkout-api", HealthSeverity.Warning);

        var results = await RunAllAsync(policies);

        Assert.Equal([taken.Id], results.Select(r => r.Id));
        Assert.Single(hook.Requests);
    }

    [Fact]
    public async Task The_PagerDuty_trigger_carries_the_incident_the_policy_and_links()
    {
        var policies = EscalationPolicyReader.Read(new Dictionary<string, object?>
        {
            ["ReportUrl"] = "https://ops.example.com/incidents/{id}",
            ["Policies"] = new List<object?>
            {
                new Dictionary<string, object?> { ["Name"] = "all", ["Levels"] = new List<object?> { Level(0, PagerDuty()) } },
            },
        }, "escalation.psd1", Channel);
        var incident = await OpenAsync(title: new string('x', 2000));
        await _incidents.UpdateAsync(incident.Id, i => i with { LikelyCause = "payments", Suspects = ["dep-42 checkout rev 7"] }, CancellationToken.None);

        await RunAsync(policies, incident.Id);

        var body = Assert.Single(_pagerDuty.Events).Body;
        var payload = body["payload"]!;
        Assert.Equal(1024, ((string?)payload["summary"])!.Length);
        Assert.Equal(("checkout", "critical", "all", "Incident"), ((string?)payload["source"], (string?)payload["severity"], (string?)payload["group"], (string?)payload["class"]));
        var details = payload["custom_details"]!;
        Assert.Equal((incident.Id, "Triggered", "payments", "dep-42 checkout rev 7"),
            ((string?)details["incident_id"], (string?)details["state"], (string?)details["likely_cause"], (string?)details["suspects"]));
        Assert.Contains("checkout is Unhealthy", (string?)details["signals"], StringComparison.Ordinal);
        Assert.Equal($"https://ops.example.com/incidents/{incident.Id}", (string?)body["links"]![0]!["href"]);
    }

    private async Task<Incident> OpenAsync(string service = "checkout", HealthSeverity severity = HealthSeverity.Critical, string? title = null)
    {
        var now = _time.GetUtcNow();
        return await _incidents.CreateAsync(new Incident
        {
            Id = "", Title = title ?? $"{service} is Unhealthy", Service = service, Severity = severity, State = IncidentState.Triggered,
            Fingerprint = $"health:{service}", DetectedAt = now, OpenedAt = now, Timestamp = now,
            Signals =
            [
                new IncidentSignal
                {
                    Kind = IncidentSignalKind.Health, Fingerprint = $"health:{service}", Service = service, Firing = true, Severity = severity,
                    Summary = $"{service} is Unhealthy", Timestamp = now,
                },
            ],
            Timeline = [new IncidentTimelineEntry { Timestamp = now, Kind = IncidentEventKind.Detected, Actor = "test", Message = "opened" }],
        }, CancellationToken.None);
    }

    private EscalationEngine Engine(EscalationPolicySet policies) =>
        new(policies, _incidents, new EscalationStateStore(_store),
            new Notifier(_pipelines, new ResilienceOptions { RetryCount = 0, AttemptTimeout = TimeSpan.FromSeconds(10) }), _time);

    private Task<EscalationResult?> RunAsync(EscalationPolicySet policies, string id) => Engine(policies).EscalateAsync(id, null, CancellationToken.None);

    private async Task<List<EscalationResult>> RunAllAsync(EscalationPolicySet policies)
    {
        var results = new List<EscalationResult>();
        await foreach (var result in Engine(policies).RunAsync(null, CancellationToken.None)) results.Add(result);
        return results;
    }

    private INotificationChannel Channel(ConfigurationMap map) =>
        NotificationChannels.Create(map, _http, new SecretResolver(name => name == "PD_KEY" ? RoutingKey : null), null, new SecretRedactor());

    private EscalationPolicySet Policies(params Dictionary<string, object?>[] levels) => RepeatingPolicies(null, levels);

    private EscalationPolicySet RepeatingPolicies(Dictionary<string, object?>? repeat, params Dictionary<string, object?>[] levels)
    {
        var policy = new Dictionary<string, object?> { ["Name"] = "default", ["Levels"] = levels.Cast<object?>().ToList() };
        if (repeat is not null) policy["Repeat"] = repeat;
        return EscalationPolicyReader.Read(new Dictionary<string, object?> { ["Policies"] = new List<object?> { policy } }, "escalation.psd1", Channel);
    }

    private static Dictionary<string, object?> Level(object delay, params Dictionary<string, object?>[] channels) => Level(delay, channels, null);

    private static Dictionary<string, object?> Level(object delay, Dictionary<string, object?> channel, string from) => Level(delay, [channel], from);

    private static Dictionary<string, object?> Level(object delay, Dictionary<string, object?>[] channels, string? from)
    {
        var level = new Dictionary<string, object?> { ["Delay"] = delay is int i ? (long)i : delay, ["Channels"] = channels.Cast<object?>().ToList() };
        if (from is not null) level["From"] = from;
        return level;
    }

    private static Dictionary<string, object?> Webhook(RecordingReceiver receiver) => new() { ["Type"] = "Webhook", ["Uri"] = receiver.Url };

    private static Dictionary<string, object?> Alertmanager(RecordingReceiver receiver) => new() { ["Type"] = "Alertmanager", ["Uri"] = $"http://127.0.0.1:{receiver.Port}/" };

    private Dictionary<string, object?> PagerDuty() => new() { ["Type"] = "PagerDuty", ["RoutingKey"] = "env:PD_KEY", ["Uri"] = _pagerDuty.EventsUri.AbsoluteUri };
}
