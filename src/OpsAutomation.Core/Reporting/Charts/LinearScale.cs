namespace OpsAutomation.Core.Reporting.Charts;

/// <summary>
/// Maps values onto a span of the viewBox, over a domain widened to round numbers, with the round
/// ticks a reader expects (0, 50, 100, 150 rather than 0, 47.3, 94.6).
/// </summary>
internal sealed class LinearScale
{
    private readonly double _from;
    private readonly double _to;

    /// <param name="min">The smallest value to show.</param>
    /// <param name="max">The largest value to show; equal to <paramref name="min"/> still gives a usable scale.</param>
    /// <param name="from">Where the domain's minimum lands (for a y axis, the bottom).</param>
    /// <param name="to">Where the domain's maximum lands (for a y axis, the top).</param>
    /// <param name="tickCount">Roughly how many ticks to aim for.</param>
    public LinearScale(double min, double max, double from, double to, int tickCount = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (min > max) (min, max) = (max, min);
        if (min == max)
        {
            // One value, or all equal: give it room so the line sits inside the plot, not on an edge.
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min >= 0 && min - pad < 0 ? 0 : min - pad, max + pad);
        }
        Step = NiceNumber((max - min) / Math.Max(1, tickCount - 1), round: true);
        Min = Math.Floor(min / Step) * Step;
        Max = Math.Ceiling(max / Step) * Step;
        _from = from;
        _to = to;
    }

    /// <summary>The domain's low end, a multiple of <see cref="Step"/>.</summary>
    public double Min { get; }

    /// <summary>The domain's high end, a multiple of <see cref="Step"/>.</summary>
    public double Max { get; }

    /// <summary>The distance between ticks: 1, 2 or 5 times a power of ten.</summary>
    public double Step { get; }

    public double Map(double value) => _from + (value - Min) / (Max - Min) * (_to - _from);

    /// <summary>Every tick from <see cref="Min"/> to <see cref="Max"/>, rounded so 0.1 + 0.2 prints as 0.3.</summary>
    public IReadOnlyList<double> Ticks()
    {
        var ticks = new List<double>();
        var count = (int)Math.Round((Max - Min) / Step);
        var digits = Math.Max(0, -(int)Math.Floor(Math.Log10(Step)) + 1);
        for (var i = 0; i <= count; i++) ticks.Add(Math.Round(Min + i * Step, Math.Min(15, digits)));
        return ticks;
    }

    /// <summary>Heckbert's nice numbers: the 1, 2, 5 (or 10) times a power of ten nearest to a range.</summary>
    internal static double NiceNumber(double range, bool round)
    {
        if (range <= 0 || !double.IsFinite(range)) return 1;
        var exponent = Math.Floor(Math.Log10(range));
        var fraction = range / Math.Pow(10, exponent);
        double nice = round
            ? fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
            : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * Math.Pow(10, exponent);
    }
}
