namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// The kubelet's restart back-off for one container (client-go's flowcontrol.Backoff as the kubelet
/// uses it, 10 s to 5 min, no jitter): the first restart is at once and opens a 10 s window; each
/// restart after a crash within the window waits it out and doubles it, up to 5 minutes. A run that
/// ended more than 10 minutes (twice the maximum) after the last restart is stable: the back-off
/// starts over, so its restart is at once again.
/// </summary>
public sealed class CrashBackOff
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    /// <summary>How long after the last restart a crash no longer counts against the back-off: twice <see cref="Max"/>, 10 minutes.</summary>
    public static readonly TimeSpan StableRun = Max * 2;

    private TimeSpan? _window;
    private DateTimeOffset _lastRestart;

    /// <summary>The current window (the <c>back-off 20s</c> of the CrashLoopBackOff message); zero before the first restart.</summary>
    public TimeSpan Window => _window ?? TimeSpan.Zero;

    /// <summary>When the container that ended with <paramref name="exit"/> may start again.</summary>
    public DateTimeOffset RestartAt(ContainerExit exit)
    {
        ArgumentNullException.ThrowIfNull(exit);
        return _window is { } window && !Stable(exit) ? exit.FinishedAt + window : exit.FinishedAt;
    }

    /// <summary>Records a restart at <paramref name="now"/> after <paramref name="exit"/>: the window doubles, or starts over after a stable run.</summary>
    public void Restarted(ContainerExit exit, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(exit);
        _window = _window is { } window && !Stable(exit) ? TimeSpan.FromTicks(Math.Min(window.Ticks * 2, Max.Ticks)) : Initial;
        _lastRestart = now;
    }

    private bool Stable(ContainerExit exit) => exit.FinishedAt - _lastRestart > StableRun;
}
