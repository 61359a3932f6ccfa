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

    [Fact]
    public void The_registry_password_is_read_from_the_environment_variable_or_file_it_names_never_from_the_command_line()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from-file\n");
            var options = SandboxOptions.Parse(["--registry", "127.0.0.1:5000", "--registry-user", "ci", "--registry-password", $"file:{file}", "--prometheus-sd-file", "sd.json"]);

            Assert.Equal(("127.0.0.1:5000", "ci", "from-file", "sd.json"), (options.Registry, options.RegistryUsername, options.RegistryPassword, options.PrometheusSdFile));
            Assert.StartsWith("The option --registry-password takes a reference, env:NAME or file:PATH, never the secret itself.",
                Assert.Throws<ArgumentException>(() => SandboxOptions.Parse(["--registry-password", "hunter2"])).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
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
