using OpsAutomation.Core.Incidents.Anomalies;
using Xunit.Abstractions;

namespace OpsAutomation.Core.Tests.Incidents.Anomalies;

/// <summary>
/// The false-positive rate at the default options, over many seeded series with nothing
/// injected: noise, autocorrelated noise, a trend, and a daily and weekly pattern. Every
/// anomaly found in them is false. The figure goes to the help of Find-MetricAnomaly.
/// </summary>
public sealed class FalsePositiveRateTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Fewer than this many false anomalies per series-week at the default options (one in ten weeks).</summary>
    private const double Bound = 0.1;

    public static TheoryData<string> Kinds => new() { "noise", "autocorrelated", "trend", "daily", "weekly" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void StaysQuietOnSeriesWithoutAnomalies(string kind)
    {
        const int seeds = 30;
        var found = 0;
        var weeks = 0.0;
        for (var seed = 1000; seed < 1000 + seeds; seed++)
        {
            var synthetic = kind switch
            {
                "noise" => new SyntheticSeries(seed),
                "autocorrelated" => new SyntheticSeries(seed, autocorrelation: 0.5),
                "trend" => new SyntheticSeries(seed, trendPerDay: 20),
                "daily" => new SyntheticSeries(seed, daily: 30),
                // Three weeks with quieter weekends: the weekly season is judged in the third, after the hour its residuals' window fills.
                _ => new SyntheticSeries(seed, minutes: 21 * 1440, daily: 30, weekendDrop: 10),
            };
            var options = new AnomalyOptions();
            if (kind == "weekly") options = options with { ReportFrom = SyntheticSeries.At(14 * 1440 + 60) };
            weeks += kind == "weekly" ? (7 * 1440 - 60) / (7.0 * 1440) : 1;
            var anomalies = AnomalyDetection.Detect(synthetic.Build(), options, Now).Anomalies;
            foreach (var a in anomalies) output.WriteLine($"seed {seed}: {a.Detector} {a.Direction} {a.Start:MM-dd HH:mm}..{a.End:MM-dd HH:mm} score {a.Score:F1}");
            found += anomalies.Count;
        }
        var rate = found / weeks;
        output.WriteLine($"{kind}: {found} false anomalies in {weeks:F1} series-weeks = {rate:F3} per series-week");
        Assert.True(rate < Bound, $"{kind}: {rate:F3} false anomalies per series-week, above {Bound}.");
    }
}
