using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Tests.Api;

public sealed class TablePrinterTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(185, "3m5s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData((3 * 3600) + (25 * 60), "3h25m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400, "3d")]
    [InlineData((3 * 86400) + (5 * 3600), "3d5h")]
    [InlineData(400 * 86400, "400d")]
    [InlineData((3 * 365 * 86400) + (10 * 86400), "3y10d")]
    public void Ages_print_as_the_servers_human_durations(int seconds, string expected) =>
        Assert.Equal(expected, TablePrinter.HumanDuration(TimeSpan.FromSeconds(seconds)));
}
