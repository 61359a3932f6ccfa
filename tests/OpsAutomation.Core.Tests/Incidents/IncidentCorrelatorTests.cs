using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents;

public sealed class IncidentCorrelatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private async Task<(IncidentStore Store, StateStore State)> OpenAsync()
    {
        var state = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        return (new IncidentStore(state, _time), state);
    }

    private static readonly Dictionary<string, IReadOnlyList<string>> Catalog = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kibana"] = ["elasticsearch"],
        ["grafana"] = ["prometheus"],
    };

    private static IncidentCorrelator Correlator(IncidentStore store, DeploymentRecordStore? deployments = null, int clearRuns = 3) =>
        new(store, new IncidentCorrelationOptions { Dependencies = Catalog, ClearRunsToResolve = clearRuns }, deployments);

    private IncidentSignal Health(string service, bool firing, HealthSeverity severity = HealthSeverity.Error) => SignalReader.FromHealth(new HealthCheckResult
    {
        Name = service, Kind = HealthCheckKind.Http, Target = $"http://127.0.0.1/{service}", Status = firing ? HealthStatus.Unhealthy : HealthStatus.Healthy,
        RunId = "run", Timestamp = _time.GetUtcNow(), Severity = severity, StatusCode = firing ? 503 : 200,
    });

    private static async Task<List<Incident>> All(IncidentStore store) => await store.ListAsync(IncidentQuery.All, CancellationToken.None).ToListAsync();

    [Fact]
    public async Task Each_failing_service_opens_one_incident_and_a_rerun_joins_without_new_timeline_lines()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store);

        var first = await correlator.CorrelateAsync([Health("checkout", true), Health("search", true), Health("cart", false)], CancellationToken.None);
        Assert.Equal([IncidentAction.Opened, IncidentAction.Opened], first.Select(o => o.Action));
        Assert.Equal(["checkout", "search"], first.Select(o => o.Incident.Service));
        var opened = first[0].Incident;
        Assert.Equal(("checkout is Unhealthy: HTTP 503", "health:checkout", IncidentState.Triggered, HealthSeverity.Error), (opened.Title, opened.Fingerprint, opened.State, opened.Severity));
        Assert.Equal(IncidentEventKind.Detected, Assert.Single(opened.Timeline).Kind);

        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await correlator.CorrelateAsync([Health("checkout", true), Health("search", true)], CancellationToken.None);

        Assert.Equal([IncidentAction.Joined, IncidentAction.Joined], second.Select(o => o.Action));
        Assert.Equal(first.Select(o => o.Incident.Id), second.Select(o => o.Incident.Id));
        Assert.Equal(2, (await All(store)).Count);
        var joined = second[0].Incident;
        Assert.Equal((2, 2), (joined.SignalCount, joined.Signals.Count));
        Assert.Single(joined.Timeline);
    }

    [Fact]
    public async Task It_resolves_after_the_configured_clear_runs_and_a_firing_run_starts_the_count_again()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store, clearRuns: 3);
        var id = (await correlator.CorrelateAsync([Health("checkout", true)], CancellationToken.None))[0].Incident.Id;

        async Task<IncidentOutcome> Run(bool firing)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            return Assert.Single(await correlator.CorrelateAsync([Health("checkout", firing)], CancellationToken.None));
        }

        Assert.Equal(1, (await Run(false)).Incident.ClearRuns);
        Assert.Equal(2, (await Run(false)).Incident.ClearRuns);
        Assert.Equal(0, (await Run(true)).Incident.ClearRuns);
        await Run(false);
        await Run(false);
        var resolved = await Run(false);

        Assert.Equal((id, IncidentAction.Resolved, IncidentState.Resolved, _time.GetUtcNow()), (resolved.Incident.Id, resolved.Action, resolved.Incident.State, resolved.Incident.ResolvedAt));
        Assert.Contains(resolved.Incident.Timeline, e => e.Kind == IncidentEventKind.StateChange && e.Message.StartsWith("Resolved", StringComparison.Ordinal));
        Assert.Equal(["Clear: ", "Firing again: ", "Clear: "], resolved.Incident.Timeline.Where(e => e.Kind == IncidentEventKind.Signal).Select(e => e.Message[..(e.Message.IndexOf(':') + 2)]));

        // Clear signals for a resolved incident do nothing.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await correlator.CorrelateAsync([Health("checkout", false)], CancellationToken.None));
    }

    [Fact]
    public async Task A_signal_observed_before_what_the_incident_holds_neither_clears_nor_reopens_it()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store, clearRuns: 1);
        var earlierClear = Health("checkout", false);
        var earlierFiring = Health("checkout", true);
        _time.Advance(TimeSpan.FromMinutes(1));
        var id = (await correlator.CorrelateAsync([Health("checkout", true)], CancellationToken.None))[0].Incident.Id;

        // A result from before the failure, piped in late, is not a clear run.
        Assert.Empty(await correlator.CorrelateAsync([earlierClear], CancellationToken.None));
        var stillOpen = (await store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal((IncidentState.Triggered, 0), (stillOpen.State, stillOpen.ClearRuns));

        _time.Advance(TimeSpan.FromMinutes(1));
        var resolved = Assert.Single(await correlator.CorrelateAsync([Health("checkout", false)], CancellationToken.None));
        Assert.Equal(IncidentAction.Resolved, resolved.Action);

        // Nor does an old failure reopen it.
        Assert.Empty(await correlator.CorrelateAsync([earlierFiring], CancellationToken.None));
        Assert.Equal(IncidentState.Resolved, (await store.GetAsync(id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task A_fingerprint_firing_again_within_the_window_reopens_and_after_it_opens_anew()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store, clearRuns: 1);
        var id = (await correlator.CorrelateAsync([Health("checkout", true)], CancellationToken.None))[0].Incident.Id;
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(IncidentAction.Resolved, (await correlator.CorrelateAsync([Health("checkout", false)], CancellationToken.None))[0].Action);

        _time.Advance(TimeSpan.FromMinutes(20));
        var reopened = Assert.Single(await correlator.CorrelateAsync([Health("checkout", true)], CancellationToken.None));

        Assert.Equal((id, IncidentAction.Reopened, IncidentState.Triggered, 1, (DateTimeOffset?)null), (reopened.Incident.Id, reopened.Action, reopened.Incident.State, reopened.Incident.Reopened, reopened.Incident.ResolvedAt));
        Assert.Contains(reopened.Incident.Timeline, e => e.Kind == IncidentEventKind.StateChange && e.Message.StartsWith("Reopened", StringComparison.Ordinal));

        _time.Advance(TimeSpan.FromMinutes(1));
        await correlator.CorrelateAsync([Health("checkout", false)], CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(2));
        var fresh = Assert.Single(await correlator.CorrelateAsync([Health("checkout", true)], CancellationToken.None));
        Assert.Equal(IncidentAction.Opened, fresh.Action);
        Assert.NotEqual(id, fresh.Incident.Id);
        Assert.Equal(2, (await All(store)).Count);
    }

    [Fact]
    public async Task A_dependent_failing_with_what_it_depends_on_joins_that_incident_which_names_the_likely_cause()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store);

        // Kibana's result comes first in the run; Elasticsearch is handled first all the same.
        var outcomes = await correlator.CorrelateAsync([Health("kibana", true), Health("elasticsearch", true, HealthSeverity.Critical)], CancellationToken.None);

        var incident = Assert.Single(outcomes).Incident;
        Assert.Equal(("elasticsearch", "elasticsearch", HealthSeverity.Critical), (incident.Service, incident.LikelyCause, incident.Severity));
        Assert.Equal(["health:elasticsearch", "health:kibana"], incident.Signals.Select(s => s.Fingerprint));
        Assert.Contains(incident.Timeline, e => e.Message.StartsWith("Joined (kibana depends on elasticsearch)", StringComparison.Ordinal));

        // Later signals of Kibana keep joining it.
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(incident.Id, Assert.Single(await correlator.CorrelateAsync([Health("kibana", true)], CancellationToken.None)).Incident.Id);

        // Grafana depends on Prometheus, which has no incident: its own.
        var grafana = Assert.Single(await correlator.CorrelateAsync([Health("grafana", true)], CancellationToken.None));
        Assert.Equal(("grafana", null), (grafana.Incident.Service, grafana.Incident.LikelyCause));
    }

    [Fact]
    public async Task A_dependent_failing_after_the_correlation_window_opens_its_own_incident()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store);
        await correlator.CorrelateAsync([Health("elasticsearch", true)], CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(11));
        var kibana = Assert.Single(await correlator.CorrelateAsync([Health("kibana", true)], CancellationToken.None));
        Assert.Equal((IncidentAction.Opened, "kibana"), (kibana.Action, kibana.Incident.Service));
        _time.Advance(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task An_incident_joined_by_a_dependent_resolves_only_when_both_are_clear()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store, clearRuns: 1);
        await correlator.CorrelateAsync([Health("elasticsearch", true), Health("kibana", true)], CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(IncidentAction.Joined, Assert.Single(await correlator.CorrelateAsync([Health("elasticsearch", false)], CancellationToken.None)).Action);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(IncidentAction.Resolved, Assert.Single(await correlator.CorrelateAsync([Health("kibana", false)], CancellationToken.None)).Action);
    }

    [Fact]
    public async Task A_deployment_of_the_service_shortly_before_is_named_a_suspect()
    {
        var (store, state) = await OpenAsync();
        var deployments = new DeploymentRecordStore(state, _time);
        DeploymentRecord Record(string id) => new()
        {
            Id = id, Name = "checkout", Namespace = "shop", Strategy = "Rolling", User = "dev@laptop", StartedAt = _time.GetUtcNow(), RevisionBefore = 6,
        };
        await deployments.StartAsync(Record("old"), CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        await deployments.StartAsync(Record("recent"), CancellationToken.None);
        await deployments.FinishAsync("recent", DeploymentOutcome.Succeeded, null, 7, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(12));

        var incident = Assert.Single(await Correlator(store, deployments).CorrelateAsync([Health("checkout", true)], CancellationToken.None)).Incident;

        var suspect = Assert.Single(incident.Suspects);
        Assert.StartsWith("recent: shop/checkout revision 6 -> 7 by dev@laptop", suspect, StringComparison.Ordinal);
        Assert.Contains(incident.Timeline, e => e.Kind == IncidentEventKind.Update && e.Message == $"Suspect: {suspect}");
    }

    [Fact]
    public async Task Severity_rises_with_a_worse_signal_and_a_clear_signal_alone_opens_nothing()
    {
        var (store, _) = await OpenAsync();
        var correlator = Correlator(store);
        Assert.Empty(await correlator.CorrelateAsync([Health("checkout", false)], CancellationToken.None));
        await correlator.CorrelateAsync([Health("checkout", true, HealthSeverity.Warning)], CancellationToken.None);
        var raised = Assert.Single(await correlator.CorrelateAsync([Health("checkout", true, HealthSeverity.Critical)], CancellationToken.None)).Incident;
        Assert.Equal(HealthSeverity.Critical, raised.Severity);
        Assert.Contains(raised.Timeline, e => e.Message == "Severity Warning -> Critical");
    }

    [Fact]
    public async Task Two_runs_at_once_with_the_same_failure_make_one_incident_holding_both_signals()
    {
        var (a, _) = await OpenAsync();
        var (b, _) = await OpenAsync();
        await Task.WhenAll(
            Task.Run(() => Correlator(a).CorrelateAsync([Health("checkout", true)], CancellationToken.None)),
            Task.Run(() => Correlator(b).CorrelateAsync([Health("checkout", true)], CancellationToken.None)));
        var incident = Assert.Single(await All(a));
        Assert.Equal(2, incident.SignalCount);
    }

    [Fact]
    public async Task Options_out_of_range_are_refused_by_name()
    {
        var (store, _) = await OpenAsync();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IncidentCorrelator(store, new IncidentCorrelationOptions { ClearRunsToResolve = 0 }));
        Assert.Equal("ClearRunsToResolve", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new IncidentCorrelator(store, new IncidentCorrelationOptions { ReopenWindow = TimeSpan.FromMinutes(-1) }));
    }
}
