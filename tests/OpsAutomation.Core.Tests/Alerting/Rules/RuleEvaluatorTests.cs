using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Tests.Alerting.Rules;

/// <summary>The state machine through the evaluator: a scripted query engine, a fake clock, a real state store.</summary>
public sealed class RuleEvaluatorTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ResiliencePipelineProvider _pipelines;
    private readonly ScriptedEngine _engine = new();
    private readonly RecordingChannel _channel = new();

    public RuleEvaluatorTests() => _pipelines = new ResiliencePipelineProvider(_time);

    public void Dispose()
    {
        _pipelines.Dispose();
        _directory.Dispose();
    }

    private sealed class ScriptedEngine : IRuleQueryEngine
    {
        public QueryResult Next { get; set; } = new([], null);

        public Task<QueryResult> QueryAsync(string expression, DateTimeOffset time, CancellationToken cancellationToken) => Task.FromResult(Next);
    }

    private sealed class RecordingChannel : INotificationChannel
    {
        public List<Notification> Sent { get; } = [];

        public string Name => "recording";

        public bool RepeatWhileFiring => true;

        public Task SendAsync(Notification notification, CancellationToken cancellationToken)
        {
            Sent.Add(notification);
            return Task.CompletedTask;
        }
    }

    private static RuleFile File(string rule) =>
        RuleFileReader.Parse($"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n{rule}", "r.yml") is { IsValid: true } result
            ? result.File
            : throw new InvalidOperationException("the test's rule file is invalid");

    private static QueryResult Series(params string[] instances) =>
        new([.. instances.Select(i => new QuerySample(new Dictionary<string, string> { ["__name__"] = "up", ["instance"] = i }, 0))], null);

    /// <summary>A channel that takes or refuses (HTTP 400) each notification as scripted; the last answer repeats.</summary>
    private sealed class ScriptedChannel(params bool[] answers) : INotificationChannel
    {
        private readonly Queue<bool> _answers = new(answers);

        public List<(AlertState State, bool Taken)> Attempts { get; } = [];

        public string Name => "scripted";

        public bool RepeatWhileFiring => false;

        public Task SendAsync(Notification notification, CancellationToken cancellationToken)
        {
            var taken = _answers.Count > 1 ? _answers.Dequeue() : _answers.Peek();
            Attempts.Add((notification.State, taken));
            return taken ? Task.CompletedTask : Task.FromException(new HttpRequestException("refused", null, System.Net.HttpStatusCode.BadRequest));
        }
    }

    private async Task<List<RuleAlert>> EvaluateAsync(RuleFile file, QueryResult answer, bool send = true, params INotificationChannel[] channels)
    {
        _engine.Next = answer;
        // A new evaluator and store handle per run, as each scheduled run builds its own.
        var stateStore = await StateStore.OpenAsync(_directory.Path, CancellationToken.None);
        var evaluator = new RuleEvaluator(_engine, new RuleAlertStateStore(stateStore), new AlertDelivery(new Notifier(_pipelines), stateStore, _time),
            channels.Length == 0 ? [_channel] : channels, _time);
        var alerts = new List<RuleAlert>();
        await foreach (var alert in evaluator.EvaluateAsync(file, send, CancellationToken.None)) alerts.Add(alert);
        return alerts;
    }

    [Fact]
    public async Task A_channel_that_refused_is_sent_the_firing_and_the_resolve_again_until_it_takes_them()
    {
        var scripted = new ScriptedChannel(false, true, false, true);
        var file = File("");
        foreach (var answer in new[] { Series("a"), Series("a"), Series(), Series() })
        {
            await EvaluateAsync(file, answer, send: true, _channel, scripted);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([(AlertState.Firing, false), (AlertState.Firing, true), (AlertState.Resolved, false), (AlertState.Resolved, true)], scripted.Attempts);
        Assert.Equal([AlertState.Firing, AlertState.Firing, AlertState.Resolved], _channel.Sent.Select(n => n.State));
    }

    [Fact]
    public async Task With_for_zero_a_new_series_fires_at_once()
    {
        var alert = Assert.Single(await EvaluateAsync(File(""), Series("a")));

        Assert.Equal(RuleAlertState.Firing, alert.State);
        Assert.Equal(_time.GetUtcNow(), alert.FiredAt);
        Assert.Equal(new Dictionary<string, string> { ["alertname"] = "A", ["instance"] = "a" }, alert.Labels);
        Assert.Equal(AlertState.Firing, Assert.Single(_channel.Sent).State);
    }

    [Fact]
    public async Task A_series_is_pending_until_for_has_passed_across_runs()
    {
        var file = File("        for: 5m\n        labels: { severity: critical }\n        annotations: { summary: '{{ $labels.instance }} is down' }\n");
        var start = _time.GetUtcNow();

        var first = Assert.Single(await EvaluateAsync(file, Series("a")));
        _time.Advance(TimeSpan.FromMinutes(4));
        var second = Assert.Single(await EvaluateAsync(file, Series("a")));
        _time.Advance(TimeSpan.FromMinutes(1));
        var third = Assert.Single(await EvaluateAsync(file, Series("a")));

        Assert.Equal((RuleAlertState.Pending, start), (first.State, first.ActiveSince));
        Assert.Equal((RuleAlertState.Pending, start), (second.State, second.ActiveSince));
        Assert.Equal((RuleAlertState.Firing, start, _time.GetUtcNow()), (third.State, third.ActiveSince, third.FiredAt));
        Assert.Equal("a is down", third.Annotations["summary"]);
        var sent = Assert.Single(_channel.Sent);
        Assert.Equal(("a is down", Models.Health.HealthSeverity.Critical), (sent.Summary, sent.Severity));
    }

    [Fact]
    public async Task A_pending_series_that_disappears_is_dropped_without_a_notification()
    {
        var file = File("        for: 5m\n");
        await EvaluateAsync(file, Series("a"));
        _time.Advance(TimeSpan.FromMinutes(1));

        var gone = Assert.Single(await EvaluateAsync(file, Series()));
        _time.Advance(TimeSpan.FromMinutes(1));
        var again = Assert.Single(await EvaluateAsync(file, Series("a")));

        Assert.Equal(RuleAlertState.Inactive, gone.State);
        Assert.Empty(_channel.Sent);
        Assert.Equal((RuleAlertState.Pending, _time.GetUtcNow()), (again.State, again.ActiveSince));
    }

    [Fact]
    public async Task A_firing_series_that_disappears_resolves_once_with_endsAt()
    {
        var file = File("");
        await EvaluateAsync(file, Series("a"));
        _time.Advance(TimeSpan.FromMinutes(1));

        var resolved = Assert.Single(await EvaluateAsync(file, Series()));
        _time.Advance(TimeSpan.FromMinutes(1));
        var later = Assert.Single(await EvaluateAsync(file, Series()));

        Assert.Equal((RuleAlertState.Inactive, _time.GetUtcNow() - TimeSpan.FromMinutes(1)), (resolved.State, resolved.ResolvedAt));
        Assert.Equal(RuleAlertState.Inactive, later.State);
        Assert.Equal([AlertState.Firing, AlertState.Resolved], _channel.Sent.Select(n => n.State));
        Assert.Equal(resolved.ResolvedAt, _channel.Sent[1].EndsAt);
    }

    [Fact]
    public async Task Keep_firing_for_holds_a_vanished_series_firing_until_it_has_passed()
    {
        var file = File("        keep_firing_for: 3m\n");
        await EvaluateAsync(file, Series("a"));
        _time.Advance(TimeSpan.FromMinutes(1));

        var held = Assert.Single(await EvaluateAsync(file, Series()));
        _time.Advance(TimeSpan.FromMinutes(2));
        var stillHeld = Assert.Single(await EvaluateAsync(file, Series()));
        _time.Advance(TimeSpan.FromMinutes(1));
        var resolved = Assert.Single(await EvaluateAsync(file, Series()));

        Assert.Equal(RuleAlertState.Firing, held.State);
        Assert.Equal(RuleAlertState.Firing, stillHeld.State);
        Assert.Equal(RuleAlertState.Inactive, resolved.State);
    }

    [Fact]
    public async Task Each_label_set_is_its_own_series()
    {
        var file = File("        for: 1m\n");
        await EvaluateAsync(file, Series("a"));
        _time.Advance(TimeSpan.FromMinutes(1));

        var alerts = await EvaluateAsync(file, Series("a", "b"));

        Assert.Equal([("a", RuleAlertState.Firing), ("b", RuleAlertState.Pending)],
            alerts.Select(a => (a.Labels["instance"], a.State)).OrderBy(p => p.Item1));
    }

    [Fact]
    public async Task A_query_error_is_a_result_with_the_reason_and_leaves_the_state_alone()
    {
        var file = File("        for: 5m\n");
        await EvaluateAsync(file, Series("a"));
        _time.Advance(TimeSpan.FromMinutes(5));

        var failed = Assert.Single(await EvaluateAsync(file, QueryResult.Failed("Prometheus refused the query (bad_data): parse error")));
        var after = Assert.Single(await EvaluateAsync(file, Series("a")));

        Assert.Equal((RuleAlertState.Pending, "Prometheus refused the query (bad_data): parse error"), (failed.State, failed.Error));
        Assert.Equal(RuleAlertState.Firing, after.State);
    }

    [Fact]
    public async Task Samples_that_share_a_label_set_after_dropping_the_name_are_an_error_as_in_prometheus()
    {
        var samples = new QueryResult([
            new QuerySample(new Dictionary<string, string> { ["__name__"] = "a", ["instance"] = "x" }, 1),
            new QuerySample(new Dictionary<string, string> { ["__name__"] = "b", ["instance"] = "x" }, 2)], null);

        var alert = Assert.Single(await EvaluateAsync(File(""), samples));

        Assert.Equal((RuleAlertState.Inactive, "vector contains metrics with the same labelset after applying alert labels"), (alert.State, alert.Error));
        Assert.Empty(_channel.Sent);
    }

    [Fact]
    public async Task Label_names_that_sort_differently_by_culture_still_match_the_stored_series()
    {
        var file = File("        for: 5m\n");
        var labels = new Dictionary<string, string> { ["a_b"] = "1", ["aB"] = "2", ["Z"] = "3" };
        await EvaluateAsync(file, new QueryResult([new QuerySample(labels, 0)], null));
        _time.Advance(TimeSpan.FromMinutes(5));

        var alert = Assert.Single(await EvaluateAsync(file, new QueryResult([new QuerySample(labels, 0)], null)));

        Assert.Equal(RuleAlertState.Firing, alert.State);
    }

    [Fact]
    public async Task A_rule_that_returns_nothing_is_one_inactive_result()
    {
        var alert = Assert.Single(await EvaluateAsync(File(""), Series()));

        Assert.Equal((RuleAlertState.Inactive, "A"), (alert.State, alert.Labels["alertname"]));
        Assert.Null(alert.Error);
    }

    [Fact]
    public async Task Without_send_nothing_is_notified_or_stored()
    {
        var file = File("        for: 5m\n");
        await EvaluateAsync(file, Series("a"), send: false);
        _time.Advance(TimeSpan.FromMinutes(5));

        var alert = Assert.Single(await EvaluateAsync(file, Series("a"), send: false));

        Assert.Equal((RuleAlertState.Pending, _time.GetUtcNow()), (alert.State, alert.ActiveSince));
        Assert.Empty(_channel.Sent);
    }

    [Fact]
    public async Task An_unreachable_engine_stops_the_file_with_a_typed_error_and_keeps_the_state()
    {
        var file = File("        for: 10m\n");
        await EvaluateAsync(file, Series("a"));
        _time.Advance(TimeSpan.FromMinutes(5));

        var error = await Assert.ThrowsAsync<QueryEngineUnreachableException>(() =>
            EvaluateAsync(file, QueryResult.NotReached("http://127.0.0.1:1/api/v1/query could not be queried: Connection refused")));
        _time.Advance(TimeSpan.FromMinutes(5));
        var after = Assert.Single(await EvaluateAsync(file, Series("a")));

        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
        Assert.Equal(RuleAlertState.Firing, after.State);
    }
}
