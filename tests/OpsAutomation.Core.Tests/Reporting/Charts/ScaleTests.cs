using OpsAutomation.Core.Reporting.Charts;
using static OpsAutomation.Core.Tests.Reporting.Charts.ChartSvg;

namespace OpsAutomation.Core.Tests.Reporting.Charts;

public sealed class ScaleTests
{
    [Theory]
    [InlineData(0, 97, 0, 100, 20)]
    [InlineData(0, 1234, 0, 1500, 500)]
    [InlineData(0.1, 0.37, 0.1, 0.4, 0.05)]
    [InlineData(-12, 30, -20, 30, 10)]
    public void A_value_scale_widens_to_round_numbers(double min, double max, double niceMin, double niceMax, double step)
    {
        var scale = new LinearScale(min, max, 100, 0);
        Assert.Equal((niceMin, niceMax, step), (Math.Round(scale.Min, 9), Math.Round(scale.Max, 9), Math.Round(scale.Step, 9)));
        Assert.Equal(niceMin, scale.Ticks()[0], 9);
        Assert.Equal(niceMax, scale.Ticks()[^1], 9);
    }

    [Fact]
    public void Ticks_print_as_round_decimals()
    {
        Assert.Equal([0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4], new LinearScale(0.1, 0.37, 100, 0).Ticks());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(42)]
    [InlineData(-3)]
    public void Equal_values_still_give_a_range_containing_them(double value)
    {
        var scale = new LinearScale(value, value, 100, 0);
        Assert.True(scale.Min < value || (value == 0 && scale.Min == 0));
        Assert.True(scale.Max > value);
        Assert.InRange(scale.Map(value), 0, 100);
    }

    [Fact]
    public void Non_finite_bounds_fall_back_to_zero_to_one()
    {
        var scale = new LinearScale(double.NaN, double.PositiveInfinity, 100, 0);
        Assert.Equal((0.0, 1.0), (scale.Min, scale.Max));
    }

    [Fact]
    public void A_higher_value_maps_higher_up()
    {
        var scale = new LinearScale(0, 100, 200, 20);
        Assert.Equal(200, scale.Map(0));
        Assert.Equal(20, scale.Map(100));
        Assert.True(scale.Map(75) < scale.Map(25));
    }

    [Fact]
    public void Time_ticks_fall_on_round_times_inside_the_window()
    {
        var scale = new TimeScale(T0.AddMinutes(7), T0.AddHours(6).AddMinutes(7), 0, 600);
        var ticks = scale.Ticks();
        Assert.Equal(TimeSpan.FromHours(1), scale.Step);
        Assert.Equal(T0.AddHours(1), ticks[0]);
        Assert.Equal(T0.AddHours(6), ticks[^1]);
        Assert.Equal("10:00", scale.Label(ticks[0]));
        Assert.All(ticks, t => Assert.InRange(scale.Map(t), 0, 600));
    }

    [Fact]
    public void A_window_of_days_labels_its_ticks_with_dates()
    {
        var scale = new TimeScale(T0, T0.AddDays(7), 0, 600);
        Assert.Equal(TimeSpan.FromDays(2), scale.Step);
        Assert.Equal("03-16", scale.Label(scale.Ticks()[0]));
    }

    [Fact]
    public void An_empty_window_widens_around_its_moment()
    {
        var scale = new TimeScale(T0, T0, 0, 600);
        Assert.Equal(300, scale.Map(T0), 6);
    }
}
