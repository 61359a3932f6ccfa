using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Tests.Api;

public sealed class PodLogBookTests
{
    [Fact]
    public void A_run_keeps_its_last_lines_and_a_restart_keeps_them_as_the_previous_run()
    {
        var logs = new PodLogBook();
        for (var i = 0; i <= PodLogBook.MaxLinesPerRun; i++)
        {
            logs.Append("ns", "p", "app", $"line {i}");
        }

        var current = logs.Read("ns", "p", "app", previous: false)!;
        logs.Restart("ns", "p", "app");
        logs.Append("ns", "p", "app", "second run");

        Assert.Equal((PodLogBook.MaxLinesPerRun, "line 1", $"line {PodLogBook.MaxLinesPerRun}"), (current.Count, current[0], current[^1]));
        Assert.Equal(current, logs.Read("ns", "p", "app", previous: true));
        Assert.Equal(["second run"], logs.Read("ns", "p", "app", previous: false));
    }
}
