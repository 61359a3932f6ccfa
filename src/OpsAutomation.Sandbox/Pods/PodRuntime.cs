using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// What the simulated kubelet runs for one pod: the current run of its sample application, the
/// readiness probe against it, and how its runs ended. <paramref name="changed"/> is called (on any
/// thread) when readiness turns or the container exits, so the kubelet writes the pod's status;
/// <paramref name="probeFailed"/> when a probe fails for another reason than the probe before.
/// </summary>
public sealed class PodRuntime(string uid, JsonObject? container, TimeProvider time, HttpClient http, Action<string> log, Action changed, Action<string> probeFailed) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly ReadinessProbe? _probe = ReadinessProbe.Of(container);
    private SampleApp? _app;
    private CancellationTokenSource? _probing;
    private Task _probeLoop = Task.CompletedTask;
    private volatile bool _ready;

    public string Uid => uid;

    /// <summary>The running application, null between a crash and its restart.</summary>
    public SampleApp? App
    {
        get
        {
            lock (_gate)
            {
                return _app;
            }
        }
    }

    /// <summary>Whether the running container is ready: by its readiness probe, or from its start without one.</summary>
    public bool Ready => _ready && App is not null;

    /// <summary>How the last run ended, null before the first exit.</summary>
    public ContainerExit? LastExit { get; private set; }

    /// <summary>The restarts after a crash so far (restartCount).</summary>
    public int Restarts { get; private set; }

    /// <summary>When the container may run again after its last exit (its CrashLoopBackOff), null while it runs.</summary>
    public DateTimeOffset? RestartAt { get; set; }

    /// <summary>Starts a run of the application (a restart when one ran before).</summary>
    public void Start()
    {
        var problems = new List<string>();
        var settings = SampleAppSettings.FromContainer(container, problems);
        foreach (var problem in problems)
        {
            log($"{Api.ObjectStore.Timestamp(time.GetUtcNow())} sample app: {problem}");
        }
        if (LastExit is not null)
        {
            Restarts++;
        }
        RestartAt = null;
        _ready = _probe is null;
        var probing = new CancellationTokenSource();
        SampleApp app;
        try
        {
            app = new SampleApp(settings, time, log, exit => Exited(probing, exit));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // No port to listen on (descriptors exhausted): the container fails to start, as runc's StartError.
            var now = time.GetUtcNow();
            log($"{Api.ObjectStore.Timestamp(now)} sample app: cannot listen on 127.0.0.1: {e.Message}");
            probing.Dispose();
            LastExit = new ContainerExit(128, "StartError", now, now);
            changed();
            return;
        }
        CancellationTokenSource? previous;
        lock (_gate)
        {
            (previous, _app, _probing) = (_probing, app, probing);
        }
        previous?.Dispose();
        if (_probe is not null)
        {
            _probeLoop = ProbeLoopAsync(_probe, app.Port, probing.Token);
        }
    }

    private void Exited(CancellationTokenSource probing, ContainerExit exit)
    {
        SampleApp? app;
        lock (_gate)
        {
            app = _app;
            _app = null;
            LastExit = exit;
        }
        _ready = false;
        probing.Cancel();
        if (app is not null)
        {
            _ = Task.Run(async () => await app.DisposeAsync().ConfigureAwait(false));
        }
        changed();
    }

    private async Task ProbeLoopAsync(ReadinessProbe probe, int port, CancellationToken cancellationToken)
    {
        var (successes, failures) = (0, 0);
        string? lastFailure = null;
        try
        {
            await Task.Delay(probe.InitialDelay, time, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                var failure = await probe.ProbeAsync(http, port, time, cancellationToken).ConfigureAwait(false);
                if (failure is not null && failure != lastFailure)
                {
                    probeFailed(failure);
                }
                lastFailure = failure;
                if (failure is null)
                {
                    (successes, failures) = (successes + 1, 0);
                    if (!_ready && successes >= probe.SuccessThreshold)
                    {
                        _ready = true;
                        changed();
                    }
                }
                else
                {
                    (successes, failures) = (0, failures + 1);
                    if (_ready && failures >= probe.FailureThreshold)
                    {
                        _ready = false;
                        changed();
                    }
                }
                await Task.Delay(probe.Period, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The container stopped or the pod went.
        }
    }

    public async ValueTask DisposeAsync()
    {
        SampleApp? app;
        CancellationTokenSource? probing;
        lock (_gate)
        {
            (app, probing, _app, _probing) = (_app, _probing, null, null);
        }
        if (probing is not null)
        {
            await probing.CancelAsync().ConfigureAwait(false);
        }
        await _probeLoop.ConfigureAwait(false);
        probing?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
