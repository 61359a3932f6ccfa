using OpsAutomation.Core.Incidents.Anomalies;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents.Anomalies;

/// <summary>What was injected into a synthetic series: where, which way, and which detector should explain it.</summary>
public sealed record Injection(string Kind, DateTimeOffset Start, DateTimeOffset End, AnomalyDirection Direction);

/// <summary>
/// One-minute synthetic series from a fixed seed: a level, Gaussian or AR(1) noise, a linear
/// trend, a daily and a weekly pattern, and injected spikes, dips, level shifts and flaps.
/// </summary>
public sealed class SyntheticSeries
{
    public static readonly DateTimeOffset Origin = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero); // a Monday
    private readonly Random _random;
    private readonly double[] _values;
    private readonly List<Injection> _injections = [];

    public SyntheticSeries(int seed, int minutes = 7 * 1440, double level = 100, double noise = 1, double trendPerDay = 0, double daily = 0, double weekendDrop = 0,
        double autocorrelation = 0)
    {
        _random = new Random(seed);
        Noise = noise;
        _values = new double[minutes];
        var previous = 0.0;
        for (var i = 0; i < minutes; i++)
        {
            var innovation = Gaussian() * noise * Math.Sqrt(1 - autocorrelation * autocorrelation);
            previous = autocorrelation * previous + innovation;
            var day = i / 1440.0;
            var weekday = (int)(day % 7);
            // A daily wave (low at night, high in the afternoon) and a quieter weekend.
            var value = level + trendPerDay * day + daily * Math.Sin(2 * Math.PI * ((i % 1440) / 1440.0 - 0.25)) - (weekday >= 5 ? weekendDrop : 0);
            _values[i] = value + previous;
        }
    }

    public double Noise { get; }

    public IReadOnlyList<Injection> Injections => _injections;

    public int Length => _values.Length;

    public static DateTimeOffset At(int minute) => Origin.AddMinutes(minute);

    public SyntheticSeries Spike(int minute, int minutes, double size) => Add("spike", minute, minutes, size);

    public SyntheticSeries Dip(int minute, int minutes, double size) => Add("dip", minute, minutes, -size);

    /// <summary>A lasting change of level from <paramref name="minute"/> for <paramref name="minutes"/> (to the end when 0).</summary>
    public SyntheticSeries Shift(int minute, double size, int minutes = 0)
    {
        var end = minutes == 0 ? _values.Length : minute + minutes;
        return Add("shift", minute, end - minute, size);
    }

    /// <summary>Every other sample <paramref name="size"/> away, for <paramref name="minutes"/>: noise, not an incident. Not an injection to find.</summary>
    public SyntheticSeries Flap(int minute, int minutes, double size)
    {
        for (var i = minute; i < minute + minutes; i += 2) _values[i] += size;
        return this;
    }

    public SyntheticSeries Gap(int minute, int minutes)
    {
        for (var i = minute; i < minute + minutes; i++) _values[i] = double.NaN;
        return this;
    }

    private SyntheticSeries Add(string kind, int minute, int minutes, double size)
    {
        for (var i = minute; i < minute + minutes; i++) _values[i] += size;
        _injections.Add(new Injection(kind, At(minute), At(minute + minutes - 1), size > 0 ? AnomalyDirection.Above : AnomalyDirection.Below));
        return this;
    }

    public (long[] Timestamps, double[] Values) Points()
    {
        var t = new long[_values.Length];
        for (var i = 0; i < t.Length; i++) t[i] = At(i).ToUnixTimeMilliseconds();
        return (t, (double[])_values.Clone());
    }

    public TimeSeries Build(string name = "requests", string service = "checkout")
    {
        var (t, v) = Points();
        return TimeSeries.Create(new Dictionary<string, string> { ["__name__"] = name, ["service"] = service }, t, v);
    }

    private double Gaussian()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
