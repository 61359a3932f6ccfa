using OpsAutomation.Sandbox.Pods;

namespace OpsAutomation.Sandbox.Tests.Pods;

public sealed class CrashBackOffTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Runs crash after crash, each lasting <paramref name="runSeconds"/>, restarting as soon as the back-off allows; the waits before each restart.</summary>
    private static List<double> Waits(params int[] runSeconds)
    {
        var backOff = new CrashBackOff();
        var waits = new List<double>();
        var started = Start;
        foreach (var run in runSeconds)
        {
            var exit = new ContainerExit(1, "Error", started, started.AddSeconds(run));
            var restartAt = backOff.RestartAt(exit);
            waits.Add((restartAt - exit.FinishedAt).TotalSeconds);
            backOff.Restarted(exit, restartAt);
            started = restartAt;
        }
        return waits;
    }

    [Fact]
    public void The_first_restart_is_at_once_then_the_back_off_is_10_seconds_doubling_to_5_minutes() =>
        Assert.Equal([0, 10, 20, 40, 80, 160, 300, 300], Waits(1, 1, 1, 1, 1, 1, 1, 1));

    [Fact]
    public void A_run_of_more_than_10_minutes_after_the_last_restart_starts_the_back_off_over() =>
        Assert.Equal([0, 10, 20, 0, 10, 20], Waits(1, 1, 1, 601, 1, 1));

    [Fact]
    public void A_run_of_exactly_10_minutes_still_counts_against_the_back_off() =>
        Assert.Equal([0, 10, 20, 40], Waits(1, 1, 1, 600));

    [Fact]
    public void The_window_shown_in_the_crash_loop_message_is_the_wait_of_the_next_restart()
    {
        var backOff = new CrashBackOff();
        var first = new ContainerExit(1, "Error", Start, Start.AddSeconds(1));
        backOff.Restarted(first, first.FinishedAt);
        var second = new ContainerExit(1, "Error", first.FinishedAt, first.FinishedAt.AddSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(10), backOff.Window);
        Assert.Equal(second.FinishedAt + backOff.Window, backOff.RestartAt(second));
    }
}
