using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>An event the kubelet records about the pod's container (Unhealthy, Killing).</summary>
public sealed record RuntimeEvent(string Reason, string Type, string Message);

/// <summary>
/// What the simulated kubelet runs for one pod: the current run of its sample application, its
/// startup, readiness and liveness probes against it, how its runs ended and its restart back-off.
/// <paramref name="changed"/> is called (on any thread) when the container starts (its startup probe
/// passes), turns ready or not, or exits, so the kubelet writes the pod's status; <paramref name="recorded"/>
/// for the events the kubelet writes (a probe failing for another reason than the probe before, a kill).
/// </summary>
public sealed class PodRuntime(string uid, JsonObject? container, TimeProvider time, HttpClient http, Action<string> log, Action changed, Action<RuntimeEvent> recorded) : IAsyncDisposable
{
    /// <summary>The exit code of a container the kubelet kills after a failed liveness or startup probe: SIGTERM's, 128 + 15, as a process that does not handle it.</summary>
    public const int KilledExitCode = 143;

    private readonly Lock _gate = new();
    private readonly Probe[] _probes = [.. new[] { ProbeKind.Startup, ProbeKind.Readiness, ProbeKind.Liveness }.Select(k => Probe.Of(container, k)).OfType<Probe>()];
    private readonly string _containerName = container?["name"]?.GetValue<string>() ?? "";
    private SampleApp? _app;
    private CancellationTokenSource? _probing;
    private Task _probeLoops = Task.CompletedTask;
    private volatile bool _started;
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

    /// <summary>Whether the running container has started: its startup probe passed, or it has none (containerStatuses[].started).</summary>
    public bool Started => _started && App is not null;

    /// <summary>Whether the running container is ready: started, and by its readiness probe, or from its start without one.</summary>
    public bool Ready => _ready && Started;

    /// <summary>How the last run ended, null before the first exit.</summary>
    public ContainerExit? LastExit { get; private set; }

    /// <summary>The restarts after an exit so far (restartCount).</summary>
    public int Restarts { get; private set; }

    /// <summary>The container's restart back-off (CrashLoopBackOff).</summary>
    public CrashBackOff BackOff { get; } = new();

    /// <summary>When the container may run again after its last exit (its CrashLoopBackOff), null while it runs.</summary>
    public DateTimeOffset? RestartAt { get; set; }

    private Probe? ProbeOf(ProbeKind kind) => _probes.FirstOrDefault(p => p.Kind == kind);

    /// <summary>Starts a run of the application (a restart when one ran before).</summary>
    public void Start()
    {
        var problems = new List<string>();
        var settings = SampleAppSettings.FromContainer(container, problems);
        foreach (var problem in problems)
        {
            log($"{Api.ObjectStore.Timestamp(time.GetUtcNow())} sample app: {problem}");
        }
        if (LastExit is { } exit)
        {
            Restarts++;
            BackOff.Restarted(exit, time.GetUtcNow());
        }
        RestartAt = null;
        _started = ProbeOf(ProbeKind.Startup) is null;
        _ready = ProbeOf(ProbeKind.Readiness) is null;
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
        _probeLoops = Task.WhenAll(_probes.Select(p => ProbeLoopAsync(p, app, probing.Token)));
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
        (_started, _ready) = (false, false);
        probing.Cancel();
        if (app is not null)
        {
            _ = Task.Run(async () => await app.DisposeAsync().ConfigureAwait(false));
        }
        changed();
    }

    /// <summary>
    /// Runs one probe from the container's start, as a kubelet probe worker: readiness and liveness
    /// results count only once the container has started; the startup probe stops once it passes.
    /// </summary>
    private async Task ProbeLoopAsync(Probe probe, SampleApp app, CancellationToken cancellationToken)
    {
        var (successes, failures) = (0, 0);
        string? lastFailure = null;
        try
        {
            await Task.Delay(probe.InitialDelay, time, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                if (probe.Kind == ProbeKind.Startup || _started)
                {
                    var failure = await probe.ProbeAsync(http, app.Port, time, cancellationToken).ConfigureAwait(false);
                    if (failure is not null && failure != lastFailure)
                    {
                        recorded(new RuntimeEvent("Unhealthy", "Warning", $"{probe.Name} probe failed: {failure}"));
                    }
                    lastFailure = failure;
                    (successes, failures) = failure is null ? (successes + 1, 0) : (0, failures + 1);
                    if (!Judge(probe, app, successes, failures))
                    {
                        return;
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

    /// <summary>Acts on a probe's results so far, as the kubelet does; false when the probe is done (started, or the container killed).</summary>
    private bool Judge(Probe probe, SampleApp app, int successes, int failures)
    {
        var passed = successes >= probe.SuccessThreshold;
        var failed = failures >= probe.FailureThreshold;
        switch (probe.Kind)
        {
            case ProbeKind.Startup when passed:
                _started = true;
                changed();
                return false;
            case ProbeKind.Readiness when passed != _ready && (passed || failed):
                _ready = passed;
                changed();
                return true;
            case ProbeKind.Startup or ProbeKind.Liveness when failed:
                var message = $"Container {_containerName} failed {probe.Name.ToLowerInvariant()} probe, will be restarted";
                recorded(new RuntimeEvent("Killing", "Normal", message));
                log($"{Api.ObjectStore.Timestamp(time.GetUtcNow())} sandbox: {message} (exit code {KilledExitCode})");
                app.Kill(KilledExitCode);
                return false;
            default:
                return true;
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
        await _probeLoops.ConfigureAwait(false);
        probing?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
