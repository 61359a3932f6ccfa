using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Sandbox.Tests.Hosting;

public sealed class SandboxOptionsTests
{
    [Fact]
    public void The_command_line_sets_every_option()
    {
        var options = SandboxOptions.Parse(["--port", "6443", "--kubeconfig", "k.yaml", "--speed", "60", "--watch-window", "50", "--bookmark-seconds", "5"]);

        Assert.Equal((6443, "k.yaml", 60.0, 50, TimeSpan.FromSeconds(5)),
            (options.Port, options.KubeconfigPath, options.Speed, options.WatchWindow, options.BookmarkInterval));
    }

    [Theory]
    [InlineData(new[] { "--speed", "0" }, "The option --speed takes a number above 0 and at most 10000, not '0'.")]
    [InlineData(new[] { "--port", "70000" }, "The option --port takes a whole number from 0 to 65535, not '70000'.")]
    [InlineData(new[] { "--port" }, "The option --port needs a value.")]
    [InlineData(new[] { "--colour" }, "Unknown option '--colour'.")]
    public void A_bad_option_names_itself_and_its_value(string[] args, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => SandboxOptions.Parse(args));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
