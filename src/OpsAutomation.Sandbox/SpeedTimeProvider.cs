namespace OpsAutomation.Sandbox;

/// <summary>
/// The sandbox's clock: time passes <see cref="Speed"/> times faster than real time, for timestamps
/// and for every timer, so a 10-minute progress deadline at speed 60 takes 10 seconds.
/// </summary>
public sealed class SpeedTimeProvider : TimeProvider
{
    private readonly TimeProvider _real;
    private readonly DateTimeOffset _startWall;
    private readonly long _startTimestamp;

    public SpeedTimeProvider(double speed, TimeProvider? real = null)
    {
        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "The speed factor must be a positive number.");
        }
        Speed = speed;
        _real = real ?? System;
        _startWall = _real.GetUtcNow();
        _startTimestamp = _real.GetTimestamp();
    }

    public double Speed { get; }

    public override DateTimeOffset GetUtcNow() => _startWall + (_real.GetElapsedTime(_startTimestamp) * Speed);

    public override long TimestampFrequency => _real.TimestampFrequency;

    public override long GetTimestamp() => _startTimestamp + (long)((_real.GetTimestamp() - _startTimestamp) * Speed);

    public override TimeZoneInfo LocalTimeZone => _real.LocalTimeZone;

    /// <summary>The real time a wait of <paramref name="sandboxTime"/> on this clock takes.</summary>
    public TimeSpan ToRealTime(TimeSpan sandboxTime) =>
        sandboxTime == Timeout.InfiniteTimeSpan ? sandboxTime : sandboxTime / Speed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _real.CreateTimer(callback, state, ToRealTime(dueTime), ToRealTime(period));
}
