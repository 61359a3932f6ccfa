using System.Net;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Models.Resilience;
using Polly;

namespace OpsAutomation.Core.Notifications;

/// <summary>What one channel did with one notification.</summary>
public sealed record Delivery(string Channel, bool Delivered, string? Error);

/// <summary>
/// Sends a notification to every channel, each through a retry pipeline (server errors, 429 and
/// network failures are retried with backoff; other refusals are final). One channel's failure
/// never stops the others; every outcome is reported. A change goes only to the channels that take changes,
/// an acknowledgement only to those that take acknowledgements.
/// </summary>
public sealed class Notifier
{
    private static readonly ResilienceOptions DefaultRetry = new()
    {
        RetryCount = 3,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(10),
    };

    private readonly ResiliencePipelineProvider _pipelines;
    private readonly ResilienceOptions _retry;

    public Notifier(ResiliencePipelineProvider pipelines, ResilienceOptions? retry = null)
    {
        _pipelines = pipelines;
        _retry = retry ?? DefaultRetry;
    }

    public async Task<IReadOnlyList<Delivery>> SendAsync(Notification notification, IEnumerable<INotificationChannel> channels, CancellationToken cancellationToken)
    {
        var sends = channels.Where(c => Accepts(c, notification.Kind)).Select(async channel =>
        {
            var pipeline = _pipelines.Get<bool>($"notify:{channel.Name}", _retry, outcome => outcome.Exception is not null && IsTransient(outcome.Exception));
            try
            {
                await pipeline.ExecuteAsync(async token =>
                {
                    await channel.SendAsync(notification, token).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                return new Delivery(channel.Name, true, null);
            }
            catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new Delivery(channel.Name, false, ex is HttpRequestException ? ex.Message : $"{channel.Name} did not answer in time");
            }
        });
        return await Task.WhenAll(sends).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="channel"/> takes notifications of <paramref name="kind"/>: every channel takes alerts.</summary>
    public static bool Accepts(INotificationChannel channel, NotificationKind kind) => kind switch
    {
        NotificationKind.Change => channel.AcceptsChanges,
        NotificationKind.Acknowledgement => channel.AcceptsAcknowledgements,
        _ => true,
    };

    internal static bool IsTransient(Exception exception) => exception switch
    {
        HttpRequestException { StatusCode: { } code } => code == HttpStatusCode.TooManyRequests || (int)code >= 500,
        HttpRequestException => true,
        Polly.Timeout.TimeoutRejectedException => true,
        _ => false,
    };
}
