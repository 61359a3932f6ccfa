using System.IO.Enumeration;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Escalation;

/// <summary>What a level's delay counts from.</summary>
public enum EscalationDelayFrom
{
    /// <summary>The time the previous level was reached (the incident's opening for the first level).</summary>
    PreviousLevel,

    /// <summary>The time the incident was opened.</summary>
    Opened,
}

/// <summary>One rung of a policy: who is told, and how long after the rung below.</summary>
/// <param name="Number">1 for the first level.</param>
/// <param name="Delay">How long after <paramref name="From"/> the level is reached when nobody acknowledges.</param>
/// <param name="Channels">Where the level pages.</param>
/// <param name="Gap">The delay from the previous level's time, for rounds after the first (a delay from the opening, less the previous level's).</param>
public sealed record EscalationLevel(int Number, TimeSpan Delay, EscalationDelayFrom From, IReadOnlyList<INotificationChannel> Channels, TimeSpan Gap);

/// <summary>
/// One escalation policy: the incidents it takes (a service wildcard and a minimum severity), its
/// levels, and how often the ladder starts again from level 1 when nobody acknowledges.
/// </summary>
public sealed record EscalationPolicy
{
    /// <summary>Its name, unique in its file; the escalation state remembers it.</summary>
    public required string Name { get; init; }

    /// <summary>A wildcard (<c>*</c>, <c>?</c>) over the incident's service, case-insensitive. Default <c>*</c>.</summary>
    public string Service { get; init; } = "*";

    /// <summary>The least severity it takes. Default Info (every incident).</summary>
    public HealthSeverity MinimumSeverity { get; init; } = HealthSeverity.Info;

    /// <summary>Its levels, in order; at least one.</summary>
    public required IReadOnlyList<EscalationLevel> Levels { get; init; }

    /// <summary>How many more times the ladder runs after the last level. Default 0.</summary>
    public int RepeatCount { get; init; }

    /// <summary>How long after the last level a repeat starts again at level 1.</summary>
    public TimeSpan RepeatDelay { get; init; }

    /// <summary>A link to the incident's report for whoever is paged; <c>{id}</c> becomes the incident id. Null for none.</summary>
    public string? ReportUrl { get; init; }

    /// <summary>A link to the incident's post-mortem; <c>{id}</c> becomes the incident id. Null for none.</summary>
    public string? PostMortemUrl { get; init; }

    /// <summary>Levels over all rounds: the last step there is.</summary>
    public int StepCount => Levels.Count * (RepeatCount + 1);

    /// <summary>The level of a step (1-based).</summary>
    public EscalationLevel LevelOf(int step) => Levels[(step - 1) % Levels.Count];

    /// <summary>Whether it takes <paramref name="incident"/>.</summary>
    public bool Matches(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return incident.Severity >= MinimumSeverity && FileSystemName.MatchesSimpleExpression(Service, incident.Service, ignoreCase: true);
    }

    /// <summary>
    /// When step <paramref name="step"/> is due: its level's delay after the opening or after the
    /// previous step's time <paramref name="previousAt"/>; a repeat's level 1 waits <see cref="RepeatDelay"/>.
    /// </summary>
    public DateTimeOffset DueAt(int step, DateTimeOffset openedAt, DateTimeOffset? previousAt)
    {
        var level = LevelOf(step);
        if (step == 1) return openedAt + level.Delay;
        var previous = previousAt ?? openedAt;
        if (step <= Levels.Count) return level.From == EscalationDelayFrom.Opened ? openedAt + level.Delay : previous + level.Delay;
        return level.Number == 1 ? previous + RepeatDelay : previous + level.Gap;
    }

    /// <summary>Every channel of every level, once each by key.</summary>
    public IEnumerable<INotificationChannel> Channels => Levels.SelectMany(l => l.Channels).DistinctBy(c => c.Key);
}

/// <summary>The policies of one file: an incident takes the first that matches it.</summary>
/// <param name="Origin">The file they came from.</param>
public sealed record EscalationPolicySet(IReadOnlyList<EscalationPolicy> Policies, string Origin)
{
    /// <summary>The default of <see cref="RetryAfter"/>: longer than one delivery with its retries takes.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after its last attempt a message a channel did not take is sent again (by a later run).
    /// A run still sending a message touched it within this time, so a run beside it leaves it alone.
    /// </summary>
    public TimeSpan RetryAfter { get; init; } = DefaultRetryAfter;

    /// <summary>The first policy that takes <paramref name="incident"/>; null when none does.</summary>
    public EscalationPolicy? Match(Incident incident) => Policies.FirstOrDefault(p => p.Matches(incident));

    /// <summary>The policy named <paramref name="name"/>; null when the file has none by that name (any more).</summary>
    public EscalationPolicy? Find(string name) => Policies.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every channel of every policy by key: a message owed to a channel is sent again through it.</summary>
    public IReadOnlyDictionary<string, INotificationChannel> ChannelsByKey() =>
        Policies.SelectMany(p => p.Channels).DistinctBy(c => c.Key).ToDictionary(c => c.Key, StringComparer.Ordinal);
}
