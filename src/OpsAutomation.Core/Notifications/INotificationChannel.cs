namespace OpsAutomation.Core.Notifications;

/// <summary>A place notifications go: Alertmanager, PagerDuty, Slack, Teams, a webhook.</summary>
public interface INotificationChannel
{
    /// <summary>The channel as users name it in errors and results: its type and, for plain URLs, the host.</summary>
    string Name { get; }

    /// <summary>
    /// Identifies the channel in the delivery state across runs: two channels of one type (two
    /// Slack webhooks) have different keys. Never holds a secret; a webhook URL or routing key
    /// is in it only as a hash.
    /// </summary>
    string Key => Name;

    /// <summary>
    /// True when a firing alert must be sent again on every evaluation to stay alive
    /// (Alertmanager resolves an alert that is not re-sent); false when one message per change is right.
    /// </summary>
    bool RepeatWhileFiring { get; }

    /// <summary>False for a channel that only takes alerts (Alertmanager, where a change would page as a firing alert).</summary>
    bool AcceptsChanges => true;

    /// <summary>True for a channel that keeps an alert's acknowledgement (PagerDuty); others are never sent one.</summary>
    bool AcceptsAcknowledgements => false;

    /// <summary>Sends; throws <see cref="HttpRequestException"/> (with the status) when the service refuses.</summary>
    Task SendAsync(Notification notification, CancellationToken cancellationToken);
}
