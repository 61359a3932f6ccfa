using System.Net;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// A list then a watch from the list's resourceVersion, as client-go's reflector does: a watch that
/// ends (the server's timeout) is started again from the last version seen; one that is refused with
/// 410 Expired (the version fell out of the server's window) starts over with a fresh list, which is
/// yielded whole so the reader can forget what went away in the gap. A cancellation disposes the
/// client's reader, which closes the connection instead of waiting for the next event.
/// </summary>
internal sealed class ResourceWatch<T, TList>(
    Func<CancellationToken, Task<TList>> list,
    Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> watch,
    TimeProvider time)
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : IKubernetesObject<V1ListMeta>, IItems<T>
{
    /// <summary>The least time between two watches that ended at once, so a server that closes every watch is not hammered.</summary>
    private static readonly TimeSpan RestartPause = TimeSpan.FromSeconds(1);

    /// <summary>How many lists followed a 410 Expired.</summary>
    public int Relists { get; private set; }

    public async IAsyncEnumerable<WatchChange<T>> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? version = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (version is null)
            {
                var listed = await list(cancellationToken).ConfigureAwait(false);
                version = listed.Metadata?.ResourceVersion ?? "";
                yield return new WatchChange<T>(null, null, [.. listed.Items ?? []]);
            }
            var started = time.GetTimestamp();
            Exception? refused = null;
            // The client reports an ERROR event (a Status) and an event it cannot read through onError and reads on;
            // the server closes the stream after an ERROR, so the loop ends and the refusal is dealt with below.
            var events = watch(version, ex => refused ??= ex, cancellationToken);
            var expired = false;
            var enumerator = events.GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) break;
                    }
                    catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone)
                    {
                        expired = true;
                        break;
                    }
                    catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
                    {
                        // The client's reader peeks at the first line: a watch the server ended (its timeout)
                        // before any event is an empty body, which the client reports so. It is an ordinary end.
                        break;
                    }
                    var (type, item) = enumerator.Current;
                    version = item?.Metadata?.ResourceVersion ?? version;
                    if (item is not null && type != WatchEventType.Bookmark) yield return new WatchChange<T>(type, item, null);
                }
            }
            finally
            {
                // Disposing the enumerator disposes its reader, which closes the connection even while a read is pending.
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            if (refused is KubernetesException { Status.Code: (int)HttpStatusCode.Gone }) expired = true;
            else if (refused is not null) throw refused;
            if (expired)
            {
                Relists++;
                version = null;
                continue;
            }
            if (time.GetElapsedTime(started) < RestartPause)
                await Task.Delay(RestartPause, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>One change a watch saw: an event with its object, or (after a list) every object there is.</summary>
internal sealed record WatchChange<T>(WatchEventType? Type, T? Object, IReadOnlyList<T>? Snapshot);
