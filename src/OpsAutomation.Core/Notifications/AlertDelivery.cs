using System.Text.Json;
using System.Text.Json.Serialization;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Alerting;

namespace OpsAutomation.Core.Notifications;

/// <summary>
/// Delivers alert notifications so that none is lost: what each channel is owed is recorded in
/// the state store before sending and cleared when the channel takes it, and later runs send it
/// again (<see cref="RetryAsync"/>) until it does. A resolve goes to the channels that took the
/// firing. Shared by health alerts and alerting rules.
/// </summary>
public sealed class AlertDelivery
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private readonly Notifier _notifier;
    private readonly AlertDeliveryStore _store;
    private readonly TimeProvider _time;

    public AlertDelivery(Notifier notifier, StateStore store, TimeProvider time)
    {
        _notifier = notifier;
        _store = new AlertDeliveryStore(store);
        _time = time;
    }

    /// <summary>Sends a new notification: a firing to every channel, a resolve to the channels that took the firing.</summary>
    public async Task<IReadOnlyList<Delivery>> SendAsync(Notification notification, IReadOnlyList<INotificationChannel> channels, CancellationToken cancellationToken)
    {
        var known = (await _store.ReadAsync(notification.DedupKey, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Channel, StringComparer.Ordinal);
        var targets = new List<INotificationChannel>();
        foreach (var channel in channels)
        {
            var row = known.GetValueOrDefault(channel.Key);
            if (notification.State == AlertState.Firing || TookFiring(row))
                targets.Add(channel);
            else if (row is not null)
                await _store.ForgetAsync(notification.DedupKey, channel.Key, cancellationToken).ConfigureAwait(false);
        }
        if (targets.Count == 0) return [];

        await _store.OweAsync(notification.DedupKey, [.. targets.Select(c => c.Key)], notification.State, JsonSerializer.Serialize(notification, Json),
            _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await SendAndRecordAsync(notification, targets, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends again what <paramref name="channels"/> are still owed of the alert <paramref name="dedupKey"/>.</summary>
    public async Task<IReadOnlyList<Delivery>> RetryAsync(string dedupKey, IReadOnlyList<INotificationChannel> channels, CancellationToken cancellationToken)
    {
        var owed = (await _store.ReadAsync(dedupKey, cancellationToken).ConfigureAwait(false)).Where(r => r.Owed).ToDictionary(r => r.Channel, StringComparer.Ordinal);
        var deliveries = new List<Delivery>();
        foreach (var channel in channels)
        {
            if (!owed.TryGetValue(channel.Key, out var row)) continue;
            var notification = JsonSerializer.Deserialize<Notification>(row.NotificationJson, Json)!;
            deliveries.AddRange(await SendAndRecordAsync(notification, [channel], cancellationToken).ConfigureAwait(false));
        }
        return deliveries;
    }

    /// <summary>A channel took the firing when its firing was delivered, or when it is owed a resolve (only such a channel is).</summary>
    private static bool TookFiring(StoredDelivery? row) => row is { State: AlertState.Firing, Owed: false } or { State: AlertState.Resolved, Owed: true };

    private async Task<IReadOnlyList<Delivery>> SendAndRecordAsync(Notification notification, IReadOnlyList<INotificationChannel> channels,
        CancellationToken cancellationToken)
    {
        var deliveries = await _notifier.SendAsync(notification, channels, cancellationToken).ConfigureAwait(false);
        // Notifier answers in the order of the channels.
        foreach (var (channel, delivery) in channels.Zip(deliveries))
        {
            await _store.RecordAsync(notification.DedupKey, channel.Key, delivery.Delivered, delivery.Error, _time.GetUtcNow(), cancellationToken)
                .ConfigureAwait(false);
        }
        return deliveries;
    }
}
