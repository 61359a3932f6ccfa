using Microsoft.Extensions.Time.Testing;

namespace OpsAutomation.Sandbox.Tests;

public sealed class SpeedTimeProviderTests
{
    [Fact]
    public void Sandbox_time_passes_speed_times_faster_than_real_time()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var sandbox = new SpeedTimeProvider(60, real);
        var started = sandbox.GetTimestamp();

        real.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 10, 0, TimeSpan.Zero), sandbox.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(10), sandbox.GetElapsedTime(started));
    }

    [Fact]
    public void A_ten_minute_timer_fires_after_ten_real_seconds_at_speed_60()
    {
        var real = new FakeTimeProvider();
        var sandbox = new SpeedTimeProvider(60, real);
        var fired = false;
        using var timer = sandbox.CreateTimer(_ => fired = true, null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);

        real.Advance(TimeSpan.FromSeconds(9.9));
        var early = fired;
        real.Advance(TimeSpan.FromSeconds(0.1));

        Assert.False(early);
        Assert.True(fired);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void The_speed_must_be_positive(double speed) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeedTimeProvider(speed));
}
