using System.Globalization;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents;

/// <summary>
/// Turns one run's signals into incidents, in one write transaction of the store:
/// <list type="number">
/// <item>a signal joins the incident that holds its fingerprint while that one is open;</item>
/// <item>a firing signal whose fingerprint's incident resolved within <see cref="IncidentCorrelationOptions.ReopenWindow"/> reopens it (Reopened + 1);</item>
/// <item>otherwise a firing signal of a service that depends (DependsOn, transitively, nearest first) on a service with an
///   open incident opened within <see cref="IncidentCorrelationOptions.CorrelationWindow"/> joins that incident, which names
///   the service depended on as its likely cause;</item>
/// <item>otherwise a firing signal opens an incident, naming as suspects the deployments of its service started within
///   <see cref="IncidentCorrelationOptions.SuspectWindow"/> before; a clear signal with no open incident does nothing.</item>
/// </list>
/// Services depended on are handled first, so a database and the UI that needs it failing in one run make one incident.
/// After the signals, every incident the run touched counts a clear run when all its fingerprints are clear (their
/// latest signal), and resolves at <see cref="IncidentCorrelationOptions.ClearRunsToResolve"/>; a firing one resets the count.
/// "Latest" is by when a signal was observed: one older than what its incident already holds of that fingerprint (an
/// earlier result piped again) changes nothing.
/// The timeline records the opening, each fingerprint that joins or changes between firing and clear (not every
/// repeat), reopening, resolving, the likely cause and the suspects.
/// </summary>
public sealed class IncidentCorrelator
{
    private readonly IncidentStore _store;
    private readonly IncidentCorrelationOptions _options;
    private readonly DeploymentRecordStore? _deployments;

    /// <param name="deployments">Where suspects are looked up; null names none.</param>
    public IncidentCorrelator(IncidentStore store, IncidentCorrelationOptions options, DeploymentRecordStore? deployments = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _options = options with
        {
            Dependencies = options.Dependencies.ToDictionary(d => d.Key, d => d.Value, StringComparer.OrdinalIgnoreCase),
        };
        _deployments = deployments;
    }

    /// <summary>Correlates one run's <paramref name="signals"/> and returns every incident it touched, in the order it first touched them.</summary>
    public Task<IReadOnlyList<IncidentOutcome>> CorrelateAsync(IReadOnlyList<IncidentSignal> signals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Count == 0) return Task.FromResult<IReadOnlyList<IncidentOutcome>>([]);

        // One group per fingerprint, in first-seen order, services depended on first.
        var groups = new Dictionary<string, List<IncidentSignal>>(StringComparer.Ordinal);
        foreach (var signal in signals)
        {
            if (!groups.TryGetValue(signal.Fingerprint, out var group)) groups[signal.Fingerprint] = group = [];
            group.Add(signal);
        }
        var depth = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var ordered = groups.Values.Select((g, i) => (Group: g, Index: i))
            .OrderBy(x => Depth(x.Group[0].Service, depth)).ThenBy(x => x.Index).Select(x => x.Group).ToList();

        return _store.WriteAsync(async session =>
        {
            var run = new Run(session, _store.Time.GetUtcNow());
            foreach (var group in ordered)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await CorrelateAsync(run, group, cancellationToken).ConfigureAwait(false);
            }
            return await run.FinishAsync(_options).ConfigureAwait(false);
        }, cancellationToken);
    }

    private async Task CorrelateAsync(Run run, List<IncidentSignal> group, CancellationToken cancellationToken)
    {
        var fingerprint = group[0].Fingerprint;
        var known = await run.FindAsync(fingerprint).ConfigureAwait(false);
        if (known is not null)
        {
            group = known.NotOlder(group);
            if (group.Count == 0) return;
        }
        var firing = group.Exists(s => s.Firing);
        if (known is { Current.IsOpen: true })
        {
            known.Join(group, _options.Actor, run.Now, null);
            return;
        }
        if (!firing) return;
        if (known is { Current.ResolvedAt: { } resolved } && _options.ReopenWindow > TimeSpan.Zero && run.Now - resolved <= _options.ReopenWindow)
        {
            var first = group.First(s => s.Firing);
            known.Reopen(first, _options.Actor, run.Now);
            known.Join(group, _options.Actor, run.Now, null);
            return;
        }

        var service = group[0].Service;
        if (_options.CorrelationWindow > TimeSpan.Zero)
        {
            foreach (var dependency in DependenciesOf(service))
            {
                var cause = await run.FindOpenOfServiceAsync(dependency, run.Now - _options.CorrelationWindow).ConfigureAwait(false);
                if (cause is null) continue;
                cause.Join(group, _options.Actor, run.Now, $"{service} depends on {cause.Current.Service}");
                run.Map(fingerprint, cause);
                cause.SetLikelyCause(cause.Current.Service, service, _options.Actor, run.Now);
                return;
            }
        }

        var opened = run.Open(group, _options.Actor);
        if (_deployments is not null && _options.SuspectWindow > TimeSpan.Zero)
        {
            var suspects = new List<DeploymentRecord>();
            await foreach (var record in _deployments.ListAsync(service, null, null, 20, cancellationToken).ConfigureAwait(false))
            {
                if (record.StartedAt <= run.Now && record.StartedAt >= run.Now - _options.SuspectWindow) suspects.Add(record);
            }
            opened.AddSuspects(suspects, _options.Actor, run.Now);
        }
    }

    /// <summary>The services <paramref name="service"/> depends on, directly first, then theirs; each once.</summary>
    private List<string> DependenciesOf(string service)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { service };
        var queue = new Queue<string>();
        queue.Enqueue(service);
        while (queue.Count > 0)
        {
            if (!_options.Dependencies.TryGetValue(queue.Dequeue(), out var direct)) continue;
            foreach (var dependency in direct)
            {
                if (!seen.Add(dependency)) continue;
                result.Add(dependency);
                queue.Enqueue(dependency);
            }
        }
        return result;
    }

    /// <summary>How deep <paramref name="service"/> sits in the dependency graph: 0 for one that needs nothing. Cycles (which the catalog rejects) count once.</summary>
    private int Depth(string service, Dictionary<string, int> memo)
    {
        if (memo.TryGetValue(service, out var known)) return known;
        memo[service] = 0; // a cycle stops here
        var depth = 0;
        if (_options.Dependencies.TryGetValue(service, out var direct))
            foreach (var dependency in direct) depth = Math.Max(depth, Depth(dependency, memo) + 1);
        memo[service] = depth;
        return depth;
    }

    /// <summary>The incidents one run works on: read once, changed in memory, written at the end.</summary>
    private sealed class Run(IncidentSession session, DateTimeOffset now)
    {
        private readonly Dictionary<string, Working> _byFingerprint = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Working> _byId = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<Working> _touched = [];

        public DateTimeOffset Now { get; } = now;

        public async Task<Working?> FindAsync(string fingerprint)
        {
            if (_byFingerprint.TryGetValue(fingerprint, out var working)) return working;
            var stored = await session.FindByFingerprintAsync(fingerprint).ConfigureAwait(false);
            working = stored is null ? null : Track(stored);
            if (working is not null) _byFingerprint[fingerprint] = working;
            return working;
        }

        public void Map(string fingerprint, Working working) => _byFingerprint[fingerprint] = working;

        public async Task<Working?> FindOpenOfServiceAsync(string service, DateTimeOffset openedSince)
        {
            var candidate = _touched.LastOrDefault(w => w.Current.IsOpen && string.Equals(w.Current.Service, service, StringComparison.OrdinalIgnoreCase)
                && w.Current.OpenedAt >= openedSince);
            if (candidate is not null) return candidate;
            var stored = await session.ListOpenAsync(service, openedSince).ConfigureAwait(false);
            return stored.Count == 0 ? null : Track(stored[^1]);
        }

        public Working Open(List<IncidentSignal> group, string actor)
        {
            var firing = group.Where(s => s.Firing).ToList();
            var first = firing[0];
            var draft = new Incident
            {
                Id = "",
                Title = first.Summary,
                Service = first.Service,
                Severity = firing.Max(s => s.Severity),
                State = IncidentState.Triggered,
                Fingerprint = first.Fingerprint,
                DetectedAt = firing.Min(s => s.Timestamp),
                OpenedAt = Now,
                Timestamp = Now,
                Timeline =
                [
                    new IncidentTimelineEntry
                    {
                        Timestamp = Now, Kind = IncidentEventKind.Detected, Actor = actor,
                        Message = $"Opened: {first.Summary}",
                        Details = new Dictionary<string, string>(StringComparer.Ordinal)
                        {
                            ["Fingerprint"] = first.Fingerprint, ["Kind"] = first.Kind.ToString(), ["Severity"] = first.Severity.ToString(),
                            ["DetectedAt"] = firing.Min(s => s.Timestamp).ToString("O", CultureInfo.InvariantCulture),
                        },
                    },
                ],
            };
            var working = new Working(null, draft) { Action = IncidentAction.Opened };
            working.Join(group, actor, Now, null, quietFirst: true);
            _touched.Add(working);
            _byFingerprint[first.Fingerprint] = working;
            return working;
        }

        public async Task<IReadOnlyList<IncidentOutcome>> FinishAsync(IncidentCorrelationOptions options)
        {
            var outcomes = new List<IncidentOutcome>();
            foreach (var working in _touched.Where(w => w.Changed))
            {
                working.CountRun(options.ClearRunsToResolve, options.Actor, Now);
                var stored = working.Before is null
                    ? await session.CreateAsync(working.Build()).ConfigureAwait(false)
                    : await session.SaveAsync(working.Before, working.Build()).ConfigureAwait(false);
                outcomes.Add(new IncidentOutcome(stored, working.Action));
            }
            return outcomes;
        }

        private Working Track(Incident stored)
        {
            if (_byId.TryGetValue(stored.Id, out var working)) return working;
            working = new Working(stored, stored);
            _byId[stored.Id] = working;
            _touched.Add(working);
            return working;
        }
    }

    /// <summary>One incident as the run changes it: signals and timeline appended in lists, the rest in <see cref="Current"/>.</summary>
    private sealed class Working
    {
        private readonly List<IncidentSignal> _signals;
        private readonly List<IncidentTimelineEntry> _timeline;
        private readonly Dictionary<string, bool> _firing = new(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTimeOffset> _observedAt = new(StringComparer.Ordinal);
        private int _added;

        public Working(Incident? before, Incident current)
        {
            Before = before;
            Current = current;
            _signals = [.. current.Signals];
            _timeline = [.. current.Timeline];
            foreach (var signal in current.Signals) Observe(signal);
        }

        public Incident? Before { get; }

        public Incident Current { get; private set; }

        public IncidentAction Action { get; set; } = IncidentAction.Joined;

        /// <summary>True once the run added something.</summary>
        public bool Changed { get; private set; }

        /// <summary>
        /// The signals observed no earlier than the latest this incident holds of their fingerprint. An older one (an
        /// earlier run's result piped again) is old news: it neither clears, fires nor reopens the incident.
        /// </summary>
        public List<IncidentSignal> NotOlder(List<IncidentSignal> group) =>
            _observedAt.TryGetValue(group[0].Fingerprint, out var latest) ? group.FindAll(s => s.Timestamp >= latest) : group;

        private void Observe(IncidentSignal signal)
        {
            if (_observedAt.TryGetValue(signal.Fingerprint, out var latest) && signal.Timestamp < latest) return;
            _observedAt[signal.Fingerprint] = signal.Timestamp;
            _firing[signal.Fingerprint] = signal.Firing;
        }

        public void Join(List<IncidentSignal> group, string actor, DateTimeOffset now, string? via, bool quietFirst = false)
        {
            Changed = true;
            var severity = Current.Severity;
            foreach (var signal in group)
            {
                var known = _firing.TryGetValue(signal.Fingerprint, out var wasFiring);
                if (quietFirst)
                {
                    quietFirst = false; // the Detected line says it
                }
                else if (!known)
                {
                    _timeline.Add(Line(now, IncidentEventKind.Signal, actor,
                        (via is null ? "Joined: " : $"Joined ({via}): ") + signal.Summary, signal));
                }
                else if (wasFiring != signal.Firing)
                {
                    _timeline.Add(Line(now, IncidentEventKind.Signal, actor, (signal.Firing ? "Firing again: " : "Clear: ") + signal.Summary, signal));
                }
                Observe(signal);
                _signals.Add(signal);
                _added++;
                if (signal.Firing && signal.Severity > severity) severity = signal.Severity;
            }
            if (severity != Current.Severity)
            {
                _timeline.Add(new IncidentTimelineEntry
                {
                    Timestamp = now, Kind = IncidentEventKind.Update, Actor = actor, Message = $"Severity {Current.Severity} -> {severity}",
                });
                Current = Current with { Severity = severity };
            }
        }

        public void Reopen(IncidentSignal signal, string actor, DateTimeOffset now)
        {
            Changed = true;
            _timeline.Add(new IncidentTimelineEntry
            {
                Timestamp = now, Kind = IncidentEventKind.StateChange, Actor = actor,
                Message = $"Reopened: {signal.Summary} ({signal.Fingerprint} fired again {Human(now - Current.ResolvedAt!.Value)} after it resolved)",
                Details = new Dictionary<string, string>(StringComparer.Ordinal) { ["From"] = nameof(IncidentState.Resolved), ["To"] = nameof(IncidentState.Triggered) },
            });
            Current = Current with { State = IncidentState.Triggered, ResolvedAt = null, ClearRuns = 0, Reopened = Current.Reopened + 1 };
            if (Action != IncidentAction.Opened) Action = IncidentAction.Reopened;
        }

        public void SetLikelyCause(string cause, string dependent, string actor, DateTimeOffset now)
        {
            if (string.Equals(Current.LikelyCause, cause, StringComparison.OrdinalIgnoreCase)) return;
            _timeline.Add(new IncidentTimelineEntry
            {
                Timestamp = now, Kind = IncidentEventKind.Update, Actor = actor,
                Message = $"Likely cause: {cause} ({dependent} depends on it and failed after it)",
                Details = new Dictionary<string, string>(StringComparer.Ordinal) { ["LikelyCause"] = cause, ["Dependent"] = dependent },
            });
            Current = Current with { LikelyCause = cause };
        }

        public void AddSuspects(IReadOnlyList<DeploymentRecord> records, string actor, DateTimeOffset now)
        {
            var suspects = Current.Suspects.ToList();
            foreach (var record in records.OrderBy(r => r.StartedAt))
            {
                var text = Suspect(record);
                if (suspects.Exists(s => s.StartsWith(record.Id + ":", StringComparison.Ordinal))) continue;
                suspects.Add(text);
                _timeline.Add(new IncidentTimelineEntry
                {
                    Timestamp = now, Kind = IncidentEventKind.Update, Actor = actor, Message = $"Suspect: {text}",
                    Details = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["DeploymentId"] = record.Id, ["Deployment"] = $"{record.Namespace}/{record.Name}", ["Outcome"] = record.Outcome.ToString(),
                        ["StartedAt"] = record.StartedAt.ToString("O", CultureInfo.InvariantCulture),
                    },
                });
            }
            Current = Current with { Suspects = suspects };
        }

        /// <summary>Counts this run: clear when every fingerprint's latest signal is clear; resolves at <paramref name="clearRunsToResolve"/>.</summary>
        public void CountRun(int clearRunsToResolve, string actor, DateTimeOffset now)
        {
            if (!Current.IsOpen) return;
            if (_firing.Count == 0 || _firing.Values.Any(f => f))
            {
                Current = Current with { ClearRuns = 0 };
                return;
            }
            var clearRuns = Current.ClearRuns + 1;
            Current = Current with { ClearRuns = clearRuns };
            if (clearRuns < clearRunsToResolve) return;
            _timeline.Add(new IncidentTimelineEntry
            {
                Timestamp = now, Kind = IncidentEventKind.StateChange, Actor = actor,
                Message = $"Resolved: every signal clear for {clearRuns} run{(clearRuns == 1 ? "" : "s")}",
                Details = new Dictionary<string, string>(StringComparer.Ordinal) { ["From"] = Current.State.ToString(), ["To"] = nameof(IncidentState.Resolved) },
            });
            Current = Current with { State = IncidentState.Resolved, ResolvedAt = now };
            Action = IncidentAction.Resolved;
        }

        public Incident Build() => Current with
        {
            Signals = _signals,
            Timeline = _timeline,
            SignalCount = Current.SignalCount + _added,
        };

        private static IncidentTimelineEntry Line(DateTimeOffset now, IncidentEventKind kind, string actor, string message, IncidentSignal signal) => new()
        {
            Timestamp = now, Kind = kind, Actor = actor, Message = message,
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Fingerprint"] = signal.Fingerprint, ["Service"] = signal.Service, ["Firing"] = signal.Firing ? "true" : "false",
                ["ObservedAt"] = signal.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            },
        };

        private static string Suspect(DeploymentRecord record) =>
            $"{record.Id}: {record.Namespace}/{record.Name}" +
            (record.RevisionAfter is { } after ? $" revision {(record.RevisionBefore is { } before ? $"{before} -> " : "")}{after}" : "") +
            $" by {record.User} at {record.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({record.Outcome})";

        private static string Human(TimeSpan span) =>
            span.TotalMinutes < 1 ? $"{span.TotalSeconds:0} s" : span.TotalHours < 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalHours:0.#} h";
    }
}
