using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpsAutomation.Core.Incidents.Runbooks;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Escalation;

/// <summary>
/// Advances incidents through their escalation policy, one scheduled run at a time:
/// <list type="bullet">
/// <item>a Triggered incident climbs a level when the level's delay has passed, or at once when its
/// timeline has an entry with <c>Details["escalate"] = "true"</c> newer than its last escalation (what
/// a failed or unverified remediation writes), and the level's channels are paged;</item>
/// <item>an Acknowledged or Mitigated incident stops climbing and PagerDuty is sent acknowledge where it was triggered;</item>
/// <item>a Resolved incident is resolved on every channel that took a page (PagerDuty resolve, Alertmanager endsAt, a resolved message);</item>
/// <item>a message a channel did not take is sent again on the next run until it does, and Alertmanager
/// channels are sent the firing on every run while the incident is open (Alertmanager forgets an alert that is not re-sent).</item>
/// </list>
/// Each change is recorded in the state store (<see cref="EscalationStateStore"/>) before anything is
/// sent, by compare-and-set: a rerun never pages twice, and of two runs at once only one pages. Each
/// escalation and each delivery or failure goes on the incident's timeline.
/// </summary>
public sealed class EscalationEngine
{
    /// <summary>The actor of the timeline entries the engine writes.</summary>
    public const string Actor = "escalation";

    /// <summary>The detail a timeline entry carries (with the value "true") to ask for escalation now.</summary>
    public const string EscalateDetail = RunbookTimeline.Escalate;

    /// <summary>The Alertmanager alertname (and PagerDuty class) of incident pages.</summary>
    public const string AlertName = "Incident";

    private const int MaxSignalsInDetails = 10;

    /// <summary>What <see cref="DeliverAsync"/> answers for a message another run took.</summary>
    private const string Skipped = "\u0000skipped";

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private readonly EscalationPolicySet _policies;
    private readonly IReadOnlyDictionary<string, INotificationChannel> _channels;
    private readonly IncidentStore _incidents;
    private readonly EscalationStateStore _state;
    private readonly Notifier _notifier;
    private readonly TimeProvider _time;
    private readonly OpsLog? _log;

    public EscalationEngine(EscalationPolicySet policies, IncidentStore incidents, EscalationStateStore state, Notifier notifier, TimeProvider? time = null,
        OpsLog? log = null)
    {
        _policies = policies ?? throw new ArgumentNullException(nameof(policies));
        _channels = policies.ChannelsByKey();
        _incidents = incidents ?? throw new ArgumentNullException(nameof(incidents));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _notifier = notifier ?? throw new ArgumentNullException(nameof(notifier));
        _time = time ?? TimeProvider.System;
        _log = log;
    }

    /// <summary>
    /// The dedup key of an incident's pages: the same for its trigger, acknowledge and resolve on every
    /// channel. Ids are unique in one state store only, so the opening time is part of it: two hosts'
    /// INC-20261207-0001 never merge into one PagerDuty incident.
    /// </summary>
    public static string DedupKey(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return $"opsautomation/incident/{incident.Id}/{incident.OpenedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// One run over every open incident and every incident whose escalation is not over (a resolve or a
    /// retry still owed), oldest id first; incidents no policy takes are passed over.
    /// </summary>
    /// <param name="confirm">Asked (target, description) before anything is sent or recorded for an incident; false previews it (a WhatIf result).</param>
    public async IAsyncEnumerable<EscalationResult> RunAsync(Func<string, string, Task<bool>>? confirm, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var incident in _incidents.ListAsync(new IncidentQuery { Open = true }, cancellationToken).ConfigureAwait(false)) ids.Add(incident.Id);
        foreach (var id in await _state.ListActiveAsync(cancellationToken).ConfigureAwait(false)) ids.Add(id);
        foreach (var id in ids)
        {
            var result = await EscalateAsync(id, confirm, cancellationToken).ConfigureAwait(false);
            if (result is not null) yield return result;
        }
    }

    /// <summary>
    /// One run for one incident. Null when there is nothing to say: no policy takes it, or it is not
    /// Triggered and nothing was sent.
    /// </summary>
    /// <exception cref="IncidentNotFoundException">No incident has the id.</exception>
    public async Task<EscalationResult?> EscalateAsync(string id, Func<string, string, Task<bool>>? confirm, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var incident = await _incidents.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new IncidentNotFoundException(id, _incidents.State.FilePath);
        var record = await _state.ReadAsync(id, cancellationToken).ConfigureAwait(false);
        var policy = (record is null ? null : _policies.Find(record.Policy)) ?? _policies.Match(incident);
        if (policy is null && record is null)
        {
            Log(OpsLogLevel.Debug, $"No escalation policy of {_policies.Origin} takes incident {id} ({incident.Service}, {incident.Severity}).", incident, "skipped");
            return null;
        }
        var deliveries = await _state.ReadDeliveriesAsync(id, cancellationToken).ConfigureAwait(false);
        var plan = Plan(incident, record, policy, deliveries, _time.GetUtcNow());
        if (plan.IsEmpty)
            return incident.State == IncidentState.Triggered && policy is not null ? plan.Result([], [], whatIf: false) : null;

        if (confirm is not null && !await confirm(id, plan.Describe()).ConfigureAwait(false))
            return plan.Result([.. plan.Sends.Select(s => s.Describe())], [], whatIf: true);

        if (plan.Next is not null
            && !await _state.TransitionAsync(record, plan.Next, plan.Owe, plan.Drop, plan.Restart, plan.Now, cancellationToken).ConfigureAwait(false))
        {
            // Another run made the same decision first and is sending its messages: sending them here too would page twice.
            Log(OpsLogLevel.Debug, $"Another run changed the escalation of incident {id} at the same time; it is left to that run.", incident, "skipped");
            return null;
        }
        return await ExecuteAsync(incident, plan, cancellationToken).ConfigureAwait(false);
    }

    private Plan Plan(Incident incident, EscalationRecord? record, EscalationPolicy? policy, IReadOnlyList<EscalationDelivery> deliveries, DateTimeOffset now)
    {
        var plan = new Plan(incident, policy, record, now);
        var current = record;
        // Reopened (or open again after a resolve): the escalation starts afresh; the old pages are done with.
        if (record is not null && incident.IsOpen && (incident.Reopened > record.Reopened || record.Phase == EscalationPhase.Resolved))
        {
            current = record with { Phase = EscalationPhase.Escalating, Step = 0, EscalatedAt = null, MarkerAt = null, Reopened = incident.Reopened };
            plan.Restart = true;
            plan.Next = current;
            deliveries = [];
        }

        switch (incident.State)
        {
            case IncidentState.Triggered when policy is not null:
                PlanClimb(plan, incident, policy, current ?? new EscalationRecord(incident.Id, policy.Name, EscalationPhase.Escalating, 0, null, null, incident.Reopened));
                break;
            case IncidentState.Acknowledged or IncidentState.Mitigated when current is { Phase: EscalationPhase.Escalating }:
                plan.Next = current with { Phase = EscalationPhase.Acknowledged };
                plan.Reason = $"the incident is {incident.State}";
                foreach (var row in LatestTaken(deliveries))
                {
                    if (_channels.TryGetValue(row.Channel, out var channel) && channel.AcceptsAcknowledgements)
                        plan.AddOwed(row.Step, row.Channel, row.ChannelName, EscalationDeliveryAction.Acknowledge, Serialize(Acknowledgement(incident, plan.Now)));
                }
                plan.DropOwed(deliveries);
                break;
            case IncidentState.Resolved when current is not null and not { Phase: EscalationPhase.Resolved }:
                plan.Next = current with { Phase = EscalationPhase.Resolved };
                plan.Reason = "the incident is resolved";
                foreach (var row in LatestTaken(deliveries))
                    plan.AddOwed(row.Step, row.Channel, row.ChannelName, EscalationDeliveryAction.Resolve, Serialize(Resolve(incident, policy, row.Step, plan.Now)));
                plan.DropOwed(deliveries);
                break;
        }

        // What earlier runs could not deliver, unless this run replaces or drops it.
        // (Not while another run may still be sending it: a message is tried again RetryAfter after its last attempt.)
        foreach (var row in deliveries.Where(r => r.Owed && !plan.Touches(r.Step, r.Channel) && r.UpdatedAt <= now - _policies.RetryAfter))
            plan.Sends.Add(new Send(row.Step, row.Channel, row.ChannelName, row.Action, row.NotificationJson, Retry: true, Repeat: false, Attempts: row.Attempts));

        // Alertmanager forgets an alert that is not re-sent: the firing goes to it on every run while the incident is open.
        var phase = plan.Next?.Phase ?? current?.Phase;
        if (incident.IsOpen && phase is not null and not EscalationPhase.Resolved && policy is not null)
        {
            foreach (var row in LatestTaken(deliveries))
            {
                if (plan.Sends.Any(s => s.Channel == row.Channel) || !_channels.TryGetValue(row.Channel, out var channel) || !channel.RepeatWhileFiring) continue;
                plan.Sends.Add(new Send(row.Step, row.Channel, row.ChannelName, EscalationDeliveryAction.Trigger,
                    Serialize(Trigger(incident, policy, row.Step, null)), Retry: false, Repeat: true, PreviousError: row.LastError));
            }
        }
        return plan;
    }

    private static void PlanClimb(Plan plan, Incident incident, EscalationPolicy policy, EscalationRecord current)
    {
        if (current.Phase != EscalationPhase.Escalating)
        {
            current = current with { Phase = EscalationPhase.Escalating };
            plan.Next = current;
            plan.Reason = "the incident is Triggered again";
        }
        var since = Max(current.MarkerAt, current.EscalatedAt);
        var marker = incident.Timeline
            .Where(e => RunbookTimeline.IsEscalateMarker(e)
                && (since is null || e.Timestamp > since))
            .MaxBy(e => e.Timestamp);
        if (marker is not null)
        {
            current = current with { MarkerAt = marker.Timestamp };
            plan.Next = current;
            var why = $"{marker.Actor} asked to escalate: {marker.Message}";
            if (current.Step < policy.StepCount)
                current = Climb(plan, incident, policy, current, why);
            else
                plan.Reason = $"{why}; it is at the policy's last level already";
        }
        while (current.Step < policy.StepCount)
        {
            var due = policy.DueAt(current.Step + 1, incident.OpenedAt, current.EscalatedAt);
            if (due > plan.Now) break;
            var level = policy.LevelOf(current.Step + 1);
            var why = current.Step + 1 == 1 ? $"opened {Span(plan.Now - incident.OpenedAt)} ago"
                : $"unacknowledged for {Span(plan.Now - (level.From == EscalationDelayFrom.Opened && current.Step < policy.Levels.Count ? incident.OpenedAt : current.EscalatedAt ?? incident.OpenedAt))}";
            current = Climb(plan, incident, policy, current, why);
        }
        plan.NextDue = current.Step < policy.StepCount ? policy.DueAt(current.Step + 1, incident.OpenedAt, current.EscalatedAt) : null;
        if (plan.Climbed.Count == 0 && plan.Reason is null && plan.NextDue is { } next)
            plan.Reason = $"level {policy.LevelOf(current.Step + 1).Number} is due in {Span(next - plan.Now)}";
    }

    private static EscalationRecord Climb(Plan plan, Incident incident, EscalationPolicy policy, EscalationRecord current, string why)
    {
        var step = current.Step + 1;
        var level = policy.LevelOf(step);
        current = current with { Step = step, EscalatedAt = plan.Now };
        plan.Next = current;
        plan.Climbed.Add((step, why));
        plan.Reason = why;
        var trigger = Serialize(Trigger(incident, policy, step, why));
        foreach (var channel in level.Channels)
            plan.AddOwed(step, channel.Key, channel.Name, EscalationDeliveryAction.Trigger, trigger);
        return current;
    }

    private async Task<EscalationResult> ExecuteAsync(Incident incident, Plan plan, CancellationToken cancellationToken)
    {
        var outcomes = await Task.WhenAll(plan.Sends.Select(send => DeliverAsync(incident.Id, send, cancellationToken))).ConfigureAwait(false);
        var notified = new List<string>();
        var failed = new List<string>();
        var entries = new List<IncidentTimelineEntry>();
        var policyName = plan.Policy?.Name ?? plan.Record?.Policy ?? "";

        foreach (var (step, why) in plan.Climbed)
        {
            var level = plan.Policy!.LevelOf(step);
            entries.Add(Entry(plan.Now, $"Escalated to level {level.Number} of policy '{policyName}'{RoundText(plan.Policy, step)}: {why}",
                new Dictionary<string, string>
                {
                    ["policy"] = policyName, ["level"] = Text(level.Number), ["step"] = Text(step), ["round"] = Text(Round(plan.Policy, step)), ["reason"] = why,
                    ["channels"] = string.Join(", ", level.Channels.Select(c => c.Name)),
                }));
        }
        if (plan.Next?.Phase is EscalationPhase.Acknowledged or EscalationPhase.Resolved && plan.Next.Phase != plan.Record?.Phase)
        {
            entries.Add(Entry(plan.Now, plan.Next.Phase == EscalationPhase.Resolved
                ? $"Escalation over at level {plan.LevelAfter}: the incident is resolved"
                : $"Escalation stopped at level {plan.LevelAfter}: the incident is {incident.State}",
                new Dictionary<string, string> { ["policy"] = policyName, ["level"] = Text(plan.LevelAfter), ["phase"] = plan.Next.Phase.ToString() }));
        }
        foreach (var (send, error) in plan.Sends.Zip(outcomes))
        {
            if (ReferenceEquals(error, Skipped)) continue;
            var what = $"{send.ChannelName}: {Verb(send.Action)}";
            if (error is null) notified.Add(what);
            else failed.Add($"{what}: {error}");
            // A firing re-sent every run goes on the timeline only when its fate changes.
            if (send.Repeat && (error is null) == (send.PreviousError is null)) continue;
            var level = plan.Policy is null ? send.Step : plan.Policy.LevelOf(send.Step).Number;
            var message = error is null
                ? $"{send.ChannelName} took the {Verb(send.Action)} of level {level}{(send.Retry ? " (sent again)" : send.Repeat ? " (re-sent while firing)" : "")}"
                : $"{send.ChannelName} did not take the {Verb(send.Action)} of level {level}{(send.Repeat ? " (re-sent while firing)" : "; sent again next run")}: {error}";
            var details = new Dictionary<string, string>
            {
                ["channel"] = send.ChannelName, ["action"] = Verb(send.Action), ["level"] = Text(level), ["step"] = Text(send.Step),
                ["delivered"] = error is null ? "true" : "false",
            };
            if (error is not null) details["error"] = error;
            entries.Add(Entry(plan.Now, message, details));
        }

        foreach (var entry in entries)
            await _incidents.AppendAsync(incident.Id, entry, cancellationToken).ConfigureAwait(false);
        if (plan.LevelAfter != incident.EscalationLevel && plan.Next is not null)
        {
            var level = plan.LevelAfter;
            await _incidents.UpdateAsync(incident.Id, i => i with { EscalationLevel = level }, cancellationToken).ConfigureAwait(false);
        }

        var result = plan.Result(notified, failed, whatIf: false);
        Log(failed.Count > 0 ? OpsLogLevel.Warning : OpsLogLevel.Information,
            $"Incident {incident.Id}: {result.Action}, level {result.LevelBefore} -> {result.LevelAfter}; {notified.Count} delivered, {failed.Count} failed"
            + (failed.Count > 0 ? $" ({string.Join("; ", failed)})" : ""), incident, failed.Count > 0 ? "failure" : "success");
        return result;
    }

    /// <summary>Sends one owed or repeated message to its channel and records how it went; the error, or null when the channel took it.</summary>
    private async Task<string?> DeliverAsync(string incidentId, Send send, CancellationToken cancellationToken)
    {
        string? error;
        // A message owed from an earlier run is claimed first: of two runs that found it owed, one sends it.
        var started = _time.GetUtcNow();
        if (send.Retry && !await _state.ClaimAsync(incidentId, send.Step, send.Channel, send.Action, send.Attempts, started - _policies.RetryAfter, started,
                cancellationToken).ConfigureAwait(false))
            return Skipped;
        if (!_channels.TryGetValue(send.Channel, out var channel))
        {
            // The policy file no longer names it; the message stays owed in case it comes back.
            error = "the channel is no longer in the policy file";
        }
        else
        {
            var notification = JsonSerializer.Deserialize<Notification>(send.NotificationJson, Json)!;
            var delivery = await _notifier.SendAsync(notification, [channel], cancellationToken).ConfigureAwait(false);
            error = delivery.Count == 0 || delivery[0].Delivered ? null : delivery[0].Error ?? "not delivered";
        }
        var now = _time.GetUtcNow();
        if (send.Repeat)
            await _state.RecordRepeatAsync(incidentId, send.Step, send.Channel, error, now, cancellationToken).ConfigureAwait(false);
        else
            await _state.RecordAsync(incidentId, send.Step, send.Channel, send.Action, error is null, error, now, cancellationToken, counted: send.Retry).ConfigureAwait(false);
        return error;
    }

    /// <summary>Per channel, its latest row whose page it took: where the acknowledge, the resolve and the re-sends go.</summary>
    private static IEnumerable<EscalationDelivery> LatestTaken(IReadOnlyList<EscalationDelivery> deliveries) =>
        deliveries.Where(r => r.TriggeredAt is not null).GroupBy(r => r.Channel, StringComparer.Ordinal).Select(g => g.MaxBy(r => r.Step)!);

    private static Notification Trigger(Incident incident, EscalationPolicy policy, int step, string? why)
    {
        var level = policy.LevelOf(step);
        var description = $"Level {level.Number} of escalation policy '{policy.Name}'{RoundText(policy, step)}"
            + (why is null ? "" : $": {why}") + $". {incident.State} since {incident.OpenedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}.";
        return Base(incident, policy, AlertState.Firing, description) with { Links = Links(incident, policy) };
    }

    private static Notification Resolve(Incident incident, EscalationPolicy? policy, int step, DateTimeOffset now) =>
        Base(incident, policy, AlertState.Resolved, $"Resolved{(incident.ResolvedAt is { } at ? " at " + at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "")}.")
            with { EndsAt = incident.ResolvedAt ?? now, Links = policy is null ? [] : Links(incident, policy) };

    private static Notification Acknowledgement(Incident incident, DateTimeOffset now) =>
        Base(incident, null, AlertState.Firing, $"{incident.State}{(incident.Owner is null ? "" : " by " + incident.Owner)}.") with { Kind = NotificationKind.Acknowledgement, Timestamp = now };

    private static Notification Base(Incident incident, EscalationPolicy? policy, AlertState state, string description)
    {
        var details = new Dictionary<string, string>
        {
            ["incident_id"] = incident.Id,
            ["state"] = incident.State.ToString(),
            ["opened_at"] = incident.OpenedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        if (incident.Owner is not null) details["owner"] = incident.Owner;
        if (incident.Signals.Count > 0)
        {
            var signals = incident.Signals.TakeLast(MaxSignalsInDetails).Select(s => $"{s.Timestamp.UtcDateTime:u} {s.Kind} {(s.Firing ? "firing" : "clear")}: {s.Summary}");
            details["signals"] = (incident.Signals.Count > MaxSignalsInDetails ? $"(last {MaxSignalsInDetails} of {incident.Signals.Count})\n" : "") + string.Join("\n", signals);
        }
        if (incident.LikelyCause is not null) details["likely_cause"] = incident.LikelyCause;
        if (incident.Suspects.Count > 0) details["suspects"] = string.Join(", ", incident.Suspects);
        var labels = new Dictionary<string, string> { ["incident"] = incident.Id };
        if (policy is not null) labels["policy"] = policy.Name;
        return new Notification
        {
            DedupKey = DedupKey(incident),
            State = state,
            AlertName = AlertName,
            Severity = incident.Severity,
            Summary = $"[{incident.Id}] {incident.Title}",
            Description = description,
            Source = incident.Service,
            Component = incident.Signals.Count > 0 ? incident.Signals[0].Kind.ToString() : null,
            Group = policy?.Name,
            Labels = labels,
            Details = details,
            StartsAt = incident.OpenedAt,
            Timestamp = incident.Timestamp,
        };
    }

    private static List<NotificationLink> Links(Incident incident, EscalationPolicy policy)
    {
        var links = new List<NotificationLink>();
        var id = Uri.EscapeDataString(incident.Id);
        if (policy.ReportUrl is { } report) links.Add(new(report.Replace("{id}", id, StringComparison.Ordinal), $"Incident report {incident.Id}"));
        if (policy.PostMortemUrl is { } postMortem) links.Add(new(postMortem.Replace("{id}", id, StringComparison.Ordinal), $"Post-mortem {incident.Id}"));
        return links;
    }

    private static IncidentTimelineEntry Entry(DateTimeOffset now, string message, Dictionary<string, string> details) =>
        new() { Timestamp = now, Kind = IncidentEventKind.Escalation, Actor = Actor, Message = message, Details = details };

    private static string Serialize(Notification notification) => JsonSerializer.Serialize(notification, Json);

    internal static string Verb(EscalationDeliveryAction action) => action switch
    {
        EscalationDeliveryAction.Acknowledge => "acknowledge",
        EscalationDeliveryAction.Resolve => "resolve",
        _ => "trigger",
    };

    internal static int Round(EscalationPolicy policy, int step) => step == 0 ? 1 : ((step - 1) / policy.Levels.Count) + 1;

    private static string RoundText(EscalationPolicy policy, int step) => Round(policy, step) > 1 ? $" (round {Round(policy, step)})" : "";

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static string Span(TimeSpan span) => Models.DurationText.Format(span < TimeSpan.Zero ? TimeSpan.Zero : span);

    private static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);

    private void Log(OpsLogLevel level, string message, Incident incident, string outcome) => _log?.Write(new LogRecord
    {
        Level = level,
        Message = message,
        Action = "incident-escalation",
        Outcome = outcome,
        ServiceName = incident.Service,
        Labels = new Dictionary<string, string?> { ["incident"] = incident.Id },
    });
}

/// <summary>One message to one channel in a run: newly owed, owed from an earlier run, or a firing re-sent.</summary>
internal sealed record Send(int Step, string Channel, string ChannelName, EscalationDeliveryAction Action, string NotificationJson, bool Retry, bool Repeat,
    string? PreviousError = null, int Attempts = 0)
{
    public string Describe() => $"{ChannelName}: {EscalationEngine.Verb(Action)}";
}

/// <summary>What a run will do with one incident: the state change (recorded first), then the sends.</summary>
internal sealed class Plan(Incident incident, EscalationPolicy? policy, EscalationRecord? record, DateTimeOffset now)
{
    private readonly List<OwedDelivery> _owe = [];
    private readonly List<(int Step, string Channel)> _drop = [];

    public Incident Incident { get; } = incident;

    public EscalationPolicy? Policy { get; } = policy;

    public EscalationRecord? Record { get; } = record;

    public DateTimeOffset Now { get; } = now;

    /// <summary>The escalation state to record; null when it does not change.</summary>
    public EscalationRecord? Next { get; set; }

    public bool Restart { get; set; }

    public List<(int Step, string Why)> Climbed { get; } = [];

    public List<Send> Sends { get; } = [];

    public IReadOnlyList<OwedDelivery> Owe => _owe;

    public IReadOnlyList<(int Step, string Channel)> Drop => _drop;

    public DateTimeOffset? NextDue { get; set; }

    public string? Reason { get; set; }

    public bool IsEmpty => Next is null && Sends.Count == 0;

    public int LevelBefore => Level(Record?.Step ?? 0);

    public int LevelAfter => Level((Next ?? Record)?.Step ?? 0);

    public void AddOwed(int step, string channel, string name, EscalationDeliveryAction action, string json)
    {
        _owe.Add(new OwedDelivery(step, channel, name, action, json));
        Sends.Add(new Send(step, channel, name, action, json, Retry: false, Repeat: false));
    }

    /// <summary>Drops every message still owed that this plan does not owe anew.</summary>
    public void DropOwed(IReadOnlyList<EscalationDelivery> deliveries)
    {
        foreach (var row in deliveries.Where(r => r.Owed && !Touches(r.Step, r.Channel))) _drop.Add((row.Step, row.Channel));
    }

    public bool Touches(int step, string channel) =>
        _owe.Any(o => o.Step == step && o.Channel == channel) || _drop.Any(d => d.Step == step && d.Channel == channel);

    public string Describe()
    {
        var parts = new List<string>();
        foreach (var (step, why) in Climbed) parts.Add($"escalate to level {Level(step)} ({why})");
        if (Next?.Phase is EscalationPhase.Acknowledged && Record?.Phase != EscalationPhase.Acknowledged) parts.Add("stop escalating");
        if (Next?.Phase is EscalationPhase.Resolved && Record?.Phase != EscalationPhase.Resolved) parts.Add("end the escalation");
        if (Sends.Count > 0) parts.Add("send " + string.Join(", ", Sends.Select(s => s.Describe() + (s.Retry ? " (again)" : s.Repeat ? " (re-sent while firing)" : ""))));
        if (parts.Count == 0) parts.Add("record the escalation state");
        return string.Join("; ", parts);
    }

    public EscalationResult Result(IReadOnlyList<string> notified, IReadOnlyList<string> failed, bool whatIf)
    {
        var action = Climbed.Count > 0 ? EscalationAction.Escalated
            : Next?.Phase == EscalationPhase.Resolved && Record?.Phase != EscalationPhase.Resolved ? EscalationAction.Resolved
            : Next?.Phase == EscalationPhase.Acknowledged && Record?.Phase != EscalationPhase.Acknowledged ? EscalationAction.Acknowledged
            : Sends.Any(s => s.Retry) ? EscalationAction.Retried
            : EscalationAction.Waiting;
        var step = (Next ?? Record)?.Step ?? 0;
        return new EscalationResult
        {
            Id = Incident.Id,
            Title = Incident.Title,
            Service = Incident.Service,
            State = Incident.State,
            Policy = Policy?.Name ?? Record?.Policy ?? "",
            Action = action,
            LevelBefore = LevelBefore,
            LevelAfter = LevelAfter,
            Round = Policy is null ? 1 : EscalationEngine.Round(Policy, step),
            Notified = notified,
            Failed = failed,
            NextEscalationAt = Incident.State == IncidentState.Triggered ? NextDue : null,
            Reason = Reason,
            WhatIf = whatIf,
            Timestamp = Now,
        };
    }

    private int Level(int step) => step == 0 ? 0 : Policy is null ? step : Policy.LevelOf(step).Number;
}
