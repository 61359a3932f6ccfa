using System.Threading.Channels;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>The namespace and name of an object a controller reconciles.</summary>
public readonly record struct ObjectKey(string Namespace, string Name);

/// <summary>
/// A controller as kube-controller-manager runs one: it watches some types in the store, maps each
/// change to the objects it reconciles, and reconciles one key at a time from a queue that holds a
/// key once; a reconcile that fails, or that waits for time to pass, comes back after a delay on the
/// sandbox clock. Its writes go through the same <see cref="ObjectWriter"/> as a client's, under its
/// own field manager name.
/// </summary>
public abstract class Controller
{
    private readonly Channel<ObjectKey> _queue = Channel.CreateUnbounded<ObjectKey>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<ObjectKey> _pending = [];
    private readonly Lock _gate = new();
    private CancellationToken _stopping;

    protected Controller(ObjectWriter writer, TimeProvider time, string name)
    {
        Writer = writer ?? throw new ArgumentNullException(nameof(writer));
        Time = time ?? throw new ArgumentNullException(nameof(time));
        Name = name ?? throw new ArgumentNullException(nameof(name));
    }

    /// <summary>The controller's name, also its field manager (replicaset-controller, kubelet ...).</summary>
    public string Name { get; }

    protected ObjectWriter Writer { get; }

    protected ObjectStore Store => Writer.Store;

    protected TimeProvider Time { get; }

    /// <summary>How long a failed reconcile waits before it runs again, on the sandbox clock.</summary>
    protected virtual TimeSpan RetryDelay => TimeSpan.FromSeconds(1);

    /// <summary>The types whose changes concern this controller.</summary>
    protected abstract IEnumerable<ResourceType> Watched { get; }

    /// <summary>The objects to reconcile after <paramref name="change"/>.</summary>
    protected abstract IEnumerable<ObjectKey> KeysFor(StoreEvent change);

    /// <summary>Brings one object to its desired state; null when done, or the time after which to look again.</summary>
    protected abstract TimeSpan? Reconcile(ObjectKey key);

    /// <summary>Watches and reconciles until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        var watches = Watched.Select(type => WatchAsync(Store.Watch(type, null, null), cancellationToken)).ToList();
        try
        {
            await foreach (var key in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    _pending.Remove(key);
                }
                TimeSpan? again;
                try
                {
                    again = Reconcile(key);
                }
                catch (ApiException e) when (e.Code is 409 or 404)
                {
                    // Someone wrote first (or the object went): look again at what is there now.
                    again = TimeSpan.Zero;
                }
                catch (ApiException e) when (e.Code == 403)
                {
                    // Its namespace is being deleted: the object goes with it, or the namespace comes back.
                    again = RetryDelay;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await Console.Error.WriteLineAsync($"{Name}: reconciling {key.Namespace}/{key.Name} failed: {e}").ConfigureAwait(false);
                    again = RetryDelay;
                }
                if (again is { } delay)
                {
                    EnqueueAfter(key, delay);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping with the sandbox.
        }
        await Task.WhenAll(watches).ConfigureAwait(false);
    }

    protected void Enqueue(ObjectKey key)
    {
        lock (_gate)
        {
            if (!_pending.Add(key))
            {
                return;
            }
        }
        _queue.Writer.TryWrite(key);
    }

    protected void EnqueueAfter(ObjectKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Enqueue(key);
            return;
        }
        _ = Task.Delay(delay, Time, _stopping).ContinueWith(t => Enqueue(key), CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private async Task WatchAsync(WatchSubscription subscription, CancellationToken cancellationToken)
    {
        using (subscription)
        {
            try
            {
                await foreach (var change in subscription.Changes.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    foreach (var key in KeysFor(change))
                    {
                        Enqueue(key);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping with the sandbox.
            }
        }
    }
}
