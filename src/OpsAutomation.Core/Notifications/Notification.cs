using OpsAutomation.Models.Alerting;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// One message for people or paging systems, whatever raised it (health alerts, incidents,
/// pipelines). Channels translate it into their service's payload.
/// </summary>
public sealed record Notification
{
    /// <summary>An alert (fires and resolves) or a change (a deployment, announced once: PagerDuty change events).</summary>
    public NotificationKind Kind { get; init; } = NotificationKind.Alert;

    /// <summary>The key the receiving service deduplicates on; the same for a trigger and its resolution.</summary>
    public required string DedupKey { get; init; }

    /// <summary>Firing or Resolved.</summary>
    public required AlertState State { get; init; }

    /// <summary>The alert's name, as Alertmanager's alertname label (such as ServiceUnhealthy).</summary>
    public required string AlertName { get; init; }

    public required HealthSeverity Severity { get; init; }

    /// <summary>One line: what is wrong (or fixed) where.</summary>
    public required string Summary { get; init; }

    /// <summary>More lines for people: the reason, the target, what to do.</summary>
    public string? Description { get; init; }

    /// <summary>What the notification is about: a service, a pipeline.</summary>
    public required string Source { get; init; }

    /// <summary>The component of <see cref="Source"/>, such as its kind.</summary>
    public string? Component { get; init; }

    /// <summary>A logical grouping of sources (a tier, a cluster), as PagerDuty's payload.group; null for none.</summary>
    public string? Group { get; init; }

    /// <summary>Facts for the receiver beside the labels (an incident's id, state, signals); PagerDuty custom_details, the webhook's details.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    /// <summary>Links for whoever is paged (the incident report, a post-mortem); PagerDuty links.</summary>
    public IReadOnlyList<NotificationLink> Links { get; init; } = [];

    /// <summary>Extra labels (owner, tags); they become Alertmanager labels and PagerDuty custom details.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Further annotations beside summary and description (runbook_url, dashboard...), as Alertmanager annotations.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>Set when resolved.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>What a notification is: channels that page (Alertmanager) take only alerts.</summary>
public enum NotificationKind
{
    /// <summary>Something is wrong (Firing) or fixed (Resolved).</summary>
    Alert,

    /// <summary>Something changed on purpose (a deployment started, succeeded, rolled back): context for whoever is on call.</summary>
    Change,

    /// <summary>
    /// Someone took the alert <see cref="Notification.DedupKey"/>: a paging system stops escalating it (PagerDuty acknowledge).
    /// Only channels that take acknowledgements get it.
    /// </summary>
    Acknowledgement,
}

/// <summary>A link beside a notification.</summary>
/// <param name="Href">An absolute http(s) URL.</param>
/// <param name="Text">What it is, for people.</param>
public sealed record NotificationLink(string Href, string Text);
