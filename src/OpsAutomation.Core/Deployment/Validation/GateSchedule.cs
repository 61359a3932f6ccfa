namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>A fixed-rate schedule: evaluations start an interval apart from the gate's start, however long each took.</summary>
internal static class GateSchedule
{
    /// <summary>Waits until <paramref name="offset"/> after <paramref name="started"/> (a timestamp of <paramref name="time"/>); at once when it has passed.</summary>
    public static Task WaitUntilAsync(TimeProvider time, long started, TimeSpan offset, CancellationToken cancellationToken)
    {
        var wait = offset - time.GetElapsedTime(started);
        return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
    }
}
