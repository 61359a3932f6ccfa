using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Alerting.Rules.UnitTesting;

namespace OpsAutomation.Core.Tests.Alerting.Rules.UnitTesting;

/// <summary>Expected texts are what promtool 2.42 and Go print for the same values.</summary>
public sealed class PromtoolTextTests
{
    [Theory]
    [InlineData(1.0, "1E+00")]
    [InlineData(2.0, "2E+00")]
    [InlineData(180.0, "1.8E+02")]
    [InlineData(300.0, "3E+02")]
    [InlineData(0.0, "0E+00")]
    [InlineData(-0.25, "-2.5E-01")]
    [InlineData(0.1, "1E-01")]
    [InlineData(123456789.0, "1.23456789E+08")]
    [InlineData(1e-300, "1E-300")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void Sample_values_read_as_strconv_FormatFloat_E(double value, string expected) =>
        Assert.Equal(expected, GoNumberFormat.Exponent(value));

    [Fact]
    public void Label_sets_sort_by_name_and_quote_values_as_Go()
    {
        var labels = new Dictionary<string, string> { ["job"] = "a\"b", ["alertname"] = "X", ["path"] = "c:\\d\n", ["emoji"] = "é✓" };

        Assert.Equal("{alertname=\"X\", emoji=\"é✓\", job=\"a\\\"b\", path=\"c:\\\\d\\n\"}", PromtoolText.LabelSet(labels));
        Assert.Equal("{}", PromtoolText.LabelSet([]));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(270_000, "4m30s")]
    [InlineData(3_600_000, "1h")]
    [InlineData(604_800_000, "1w")]
    [InlineData(691_200_000, "8d")]
    [InlineData(1_500, "1s500ms")]
    public void Eval_times_read_as_model_Duration(long milliseconds, string expected) =>
        Assert.Equal(expected, PromtoolText.Duration(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(180_000, "3m0s")]
    [InlineData(3_600_000, "1h0m0s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(250, "250ms")]
    public void Step_times_read_as_Go_time_Duration(long milliseconds, string expected) =>
        Assert.Equal(expected, PromtoolText.GoDuration(TimeSpan.FromMilliseconds(milliseconds)));
}
