using OpsAutomation.Core.Incidents;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents;

public sealed class IncidentLifecycleTests
{
    private static readonly DateTimeOffset Opened = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static Incident Incident(IncidentState state = IncidentState.Triggered) => new()
    {
        Id = "INC-20261207-0001", Title = "t", Service = "s", Severity = HealthSeverity.Error, State = state, Fingerprint = "health:s",
        DetectedAt = Opened.AddMinutes(-2), OpenedAt = Opened, Timestamp = Opened,
    };

    [Theory]
    [InlineData(IncidentState.Triggered, IncidentState.Acknowledged)]
    [InlineData(IncidentState.Triggered, IncidentState.Mitigated)]
    [InlineData(IncidentState.Triggered, IncidentState.Resolved)]
    [InlineData(IncidentState.Acknowledged, IncidentState.Mitigated)]
    [InlineData(IncidentState.Mitigated, IncidentState.Resolved)]
    public void States_move_forward_with_a_timeline_line(IncidentState from, IncidentState to)
    {
        var moved = IncidentLifecycle.Transition(Incident(from), to, "ops@box", Opened.AddMinutes(5));
        Assert.Equal(to, moved.State);
        var line = Assert.Single(moved.Timeline);
        Assert.Equal((IncidentEventKind.StateChange, "ops@box", from.ToString(), to.ToString()), (line.Kind, line.Actor, line.Details["From"], line.Details["To"]));
        Assert.Equal(Opened.AddMinutes(5), moved.AcknowledgedAt);
    }

    [Theory]
    [InlineData(IncidentState.Mitigated, IncidentState.Acknowledged)]
    [InlineData(IncidentState.Acknowledged, IncidentState.Triggered)]
    [InlineData(IncidentState.Resolved, IncidentState.Acknowledged)]
    [InlineData(IncidentState.Resolved, IncidentState.Triggered)]
    public void Moves_backwards_and_out_of_resolved_are_refused_naming_both_states(IncidentState from, IncidentState to)
    {
        var error = Assert.Throws<IncidentTransitionException>(() => IncidentLifecycle.Transition(Incident(from), to, "ops@box", Opened));
        Assert.Equal(("INC-20261207-0001", from, to), (error.Id, error.From, error.To));
        Assert.Contains($"is {from} and cannot become {to}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acknowledging_makes_the_actor_owner_only_when_there_is_none_and_the_same_state_changes_nothing()
    {
        var acknowledged = IncidentLifecycle.Transition(Incident(), IncidentState.Acknowledged, "ops@box", Opened);
        Assert.Equal("ops@box", acknowledged.Owner);
        Assert.Same(acknowledged, IncidentLifecycle.Transition(acknowledged, IncidentState.Acknowledged, "other@box", Opened));
        var owned = IncidentLifecycle.Transition(Incident() with { Owner = "dba" }, IncidentState.Acknowledged, "ops@box", Opened);
        Assert.Equal("dba", owned.Owner);
    }

    [Fact]
    public void Update_writes_a_line_per_change_and_none_for_what_is_unchanged()
    {
        var incident = Incident() with { Owner = "dba" };
        var updated = IncidentLifecycle.Update(incident, "web-team", HealthSeverity.Critical, "looking", "ops@box", Opened);
        Assert.Equal(["Owner dba -> web-team", "Severity Error -> Critical", "looking"], updated.Timeline.Select(e => e.Message));
        Assert.Equal((IncidentEventKind.Update, IncidentEventKind.Note), (updated.Timeline[0].Kind, updated.Timeline[2].Kind));
        Assert.Same(incident, IncidentLifecycle.Update(incident, "dba", HealthSeverity.Error, null, "ops@box", Opened));
    }

    [Fact]
    public void Metrics_take_means_and_medians_of_the_window_and_count_open_ones_by_severity()
    {
        var a = Incident() with { AcknowledgedAt = Opened.AddMinutes(2), ResolvedAt = Opened.AddMinutes(30), State = IncidentState.Resolved };
        var b = Incident() with { AcknowledgedAt = Opened.AddMinutes(4), MitigatedAt = Opened.AddMinutes(10), Severity = HealthSeverity.Critical };
        var c = Incident() with { AcknowledgedAt = Opened.AddMinutes(12), Reopened = 1 };

        var metrics = IncidentMeasurer.Measure([a, b, c], [b, c], Opened.AddDays(-1), Opened.AddHours(1), null);

        Assert.Equal((3, 1, 1, 2), (metrics.Opened, metrics.Resolved, metrics.Reopened, metrics.Open));
        Assert.Equal((1, 1, 0, 0), (metrics.OpenBySeverity["Critical"], metrics.OpenBySeverity["Error"], metrics.OpenBySeverity["Warning"], metrics.OpenBySeverity["Info"]));
        Assert.Equal(TimeSpan.FromMinutes(2), metrics.MeanTimeToDetect);
        Assert.Equal(TimeSpan.FromMinutes(6), metrics.MeanTimeToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(4), metrics.MedianTimeToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(10), metrics.MedianTimeToMitigate);
        Assert.Equal(TimeSpan.FromMinutes(30), metrics.MeanTimeToResolve);
        Assert.Null(IncidentMeasurer.Measure([], [], Opened, Opened, null).MedianTimeToResolve);
    }
}
