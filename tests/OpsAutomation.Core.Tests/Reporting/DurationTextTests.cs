using OpsAutomation.Models;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(0.42, "420ms")]
    [InlineData(0.0425, "42.5ms")]
    [InlineData(3.24, "3.2s")]
    [InlineData(450, "7m 30s")]
    [InlineData(7500, "2h 05m")]
    [InlineData(95_400, "1d 2h")]
    [InlineData(-0.42, "-420ms")]
    public void Reads_as_a_person_says_it(double seconds, string expected) =>
        Assert.Equal(expected, DurationText.Format(TimeSpan.FromSeconds(seconds)));
}
