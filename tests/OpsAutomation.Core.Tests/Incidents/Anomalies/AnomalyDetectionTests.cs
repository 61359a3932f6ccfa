using OpsAutomation.Core.Incidents.Anomalies;
using OpsAutomation.Models.Incidents;
using Xunit.Abstractions;

namespace OpsAutomation.Core.Tests.Incidents.Anomalies;

/// <summary>
/// The detectors on synthetic one-minute series with known anomalies: each injected spike, dip
/// and level shift is found with its direction and time, nothing else is, and a flap or a wobble
/// below the minimum change is not an anomaly.
/// </summary>
public sealed class AnomalyDetectionTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly AnomalyOptions Defaults = new();

    private const int Day = 1440;

    /// <summary>Every injection is explained by an anomaly in its direction that starts and ends near it; every anomaly lies on an injection.</summary>
    private void AssertFindsExactly(SyntheticSeries synthetic, IReadOnlyList<MetricAnomaly> anomalies, DateTimeOffset? from = null)
    {
        foreach (var a in anomalies) output.WriteLine($"{a.Detector} {a.Direction} {a.Start:MM-dd HH:mm}..{a.End:MM-dd HH:mm} value {a.Value:F2} baseline {a.Baseline:F2} score {a.Score:F1}");
        var tolerance = TimeSpan.FromMinutes(3);
        foreach (var injection in synthetic.Injections.Where(i => from is null || i.End >= from))
        {
            var found = anomalies.Where(a => a.Direction == injection.Direction && a.Start <= injection.End && a.End >= injection.Start).ToList();
            Assert.True(found.Count > 0, $"The {injection.Kind} at {injection.Start:MM-dd HH:mm} was not found.");
            if (injection.Kind == "shift")
            {
                var shift = Assert.Single(found, a => a.Detector == AnomalyDetector.LevelShift);
                Assert.InRange(shift.Start, injection.Start - tolerance, injection.Start + tolerance);
            }
            else
            {
                Assert.Contains(found, a => (a.Start - injection.Start).Duration() <= tolerance && (a.End - injection.End).Duration() <= tolerance);
            }
        }
        // A shift that ends is a second shift, back: its start is explained by the injection's end.
        foreach (var a in anomalies)
            Assert.True(synthetic.Injections.Any(i => (a.Start <= i.End && a.End >= i.Start) || (i.Kind == "shift" && (a.Start - i.End).Duration() <= tolerance)), $"A false anomaly: {a.Detector} {a.Direction} {a.Start:MM-dd HH:mm}..{a.End:MM-dd HH:mm} score {a.Score:F1}.");
    }

    [Fact]
    public void FindsSpikesDipsAndShiftsInNoise()
    {
        var synthetic = new SyntheticSeries(seed: 1).Spike(2 * Day + 600, 5, 8).Dip(3 * Day + 200, 10, 8).Shift(5 * Day, 10).Flap(Day + 100, 30, 8);
        var verdict = AnomalyDetection.Detect(synthetic.Build(), Defaults, Now);
        AssertFindsExactly(synthetic, verdict.Anomalies);
        Assert.All(verdict.Anomalies, a => Assert.Equal("checkout", a.Service));
        Assert.All(verdict.Anomalies, a => Assert.Equal("requests{service=\"checkout\"}", a.Series));
    }

    [Fact]
    public void ExplainsEachAnomaly()
    {
        var synthetic = new SyntheticSeries(seed: 2).Spike(3 * Day, 5, 10);
        // A week holds the daily season: the spike is judged against the same minutes of the days before.
        var spike = Assert.Single(AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies);
        Assert.Equal(AnomalyDetector.Seasonal, spike.Detector);
        Assert.Equal(AnomalyDirection.Above, spike.Direction);
        Assert.Equal(SyntheticSeries.At(3 * Day), spike.Start);
        Assert.Equal(SyntheticSeries.At(3 * Day + 4), spike.End);
        Assert.InRange(spike.Baseline, 99, 101);
        Assert.InRange(spike.Value, 108, 115);
        Assert.InRange(spike.Deviation, 8, 15);
        Assert.InRange(spike.Score, 7, 16);
        Assert.Equal(TimeSpan.FromHours(1), spike.Window);
        Assert.Equal(Now, spike.Timestamp);
        Assert.Equal("requests", spike.Metric);
    }

    [Fact]
    public void FindsAnomaliesOnATrend()
    {
        var synthetic = new SyntheticSeries(seed: 3, trendPerDay: 20).Spike(Day + 300, 6, 8).Dip(4 * Day + 900, 8, 9).Shift(6 * Day, -12);
        AssertFindsExactly(synthetic, AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies);
    }

    [Fact]
    public void FindsAnomaliesAgainstTheDailyPattern()
    {
        // A daily wave of +/- 30 (30 times the noise): the plain z-score of a point on its slope would be meaningless.
        var synthetic = new SyntheticSeries(seed: 4, daily: 30).Spike(2 * Day + 840, 5, 8).Dip(4 * Day + 180, 10, 8).Shift(5 * Day + 720, 12).Flap(3 * Day + 60, 20, 8);
        var verdict = AnomalyDetection.Detect(synthetic.Build(), Defaults, Now);
        AssertFindsExactly(synthetic, verdict.Anomalies);
        Assert.Contains(verdict.Anomalies, a => a.Detector == AnomalyDetector.Seasonal);
    }

    [Fact]
    public void FindsAnomaliesAgainstTheWeeklyPattern()
    {
        // Four weeks, quieter weekends: from the third week, Saturday is compared with the Saturdays before
        // (after the first hour of it, which RobustZScore judges while the residuals' window fills).
        var synthetic = new SyntheticSeries(seed: 5, minutes: 28 * Day, daily: 20, weekendDrop: 40).Spike(19 * Day + 600, 5, 8).Dip(26 * Day + 700, 10, 8).Shift(22 * Day + 100, -10, 300);
        var from = SyntheticSeries.At(14 * Day + 60);
        var verdict = AnomalyDetection.Detect(synthetic.Build(), Defaults with { ReportFrom = from }, Now);
        AssertFindsExactly(synthetic, verdict.Anomalies, from);
        Assert.All(verdict.Anomalies, a => Assert.True(a.End >= from));
    }

    [Fact]
    public void AFlapIsNotAnAnomaly()
    {
        var synthetic = new SyntheticSeries(seed: 6).Flap(2 * Day, 60, 10);
        Assert.Empty(AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies);
        // One sample at a time is enough when the caller says so.
        var single = AnomalyDetection.Detect(synthetic.Build(), Defaults with { MinDuration = TimeSpan.Zero }, Now).Anomalies;
        Assert.NotEmpty(single);
        Assert.All(single, a => Assert.Equal(a.Start, a.End));
    }

    [Fact]
    public void AWobbleBelowTheMinimumChangeIsNotAnAnomaly()
    {
        // Noise of 0.01 makes a 0.5 step a 50-sigma event; the minimum change says 0.5 does not matter.
        var synthetic = new SyntheticSeries(seed: 7, noise: 0.01).Spike(2 * Day, 10, 0.5).Shift(4 * Day, 0.5);
        Assert.NotEmpty(AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies);
        Assert.Empty(AnomalyDetection.Detect(synthetic.Build(), Defaults with { MinChange = 1 }, Now).Anomalies);
    }

    [Fact]
    public void SensitivityIsTheScoreThreshold()
    {
        var synthetic = new SyntheticSeries(seed: 8).Spike(2 * Day, 5, 6);
        AssertFindsExactly(synthetic, AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies);
        Assert.Empty(AnomalyDetection.Detect(synthetic.Build(), Defaults with { Sensitivity = 20 }, Now).Anomalies);
    }

    [Fact]
    public void RunsOnlyTheDetectorsAsked()
    {
        var synthetic = new SyntheticSeries(seed: 9).Spike(2 * Day, 5, 8).Shift(5 * Day, 10);
        var shifts = AnomalyDetection.Detect(synthetic.Build(), Defaults with { Detectors = [AnomalyDetector.LevelShift] }, Now).Anomalies;
        var shift = Assert.Single(shifts);
        Assert.Equal(AnomalyDetector.LevelShift, shift.Detector);
        Assert.InRange(shift.Baseline, 99, 101);
        Assert.InRange(shift.Value, 109, 111);
        var robust = AnomalyDetection.Detect(synthetic.Build(), Defaults with { Detectors = [AnomalyDetector.RobustZScore] }, Now).Anomalies;
        Assert.All(robust, a => Assert.Equal(AnomalyDetector.RobustZScore, a.Detector));
        Assert.Equal(2, robust.Count);
    }

    [Fact]
    public void AShiftThatEndsIsTwoShifts()
    {
        var synthetic = new SyntheticSeries(seed: 10).Shift(2 * Day, 10, minutes: 240);
        var shifts = AnomalyDetection.Detect(synthetic.Build(), Defaults with { Detectors = [AnomalyDetector.LevelShift] }, Now).Anomalies;
        Assert.Equal(2, shifts.Count);
        Assert.Equal(AnomalyDirection.Above, shifts[0].Direction);
        Assert.InRange(shifts[0].Start, SyntheticSeries.At(2 * Day - 3), SyntheticSeries.At(2 * Day + 3));
        Assert.Equal(AnomalyDirection.Below, shifts[1].Direction);
        Assert.InRange(shifts[1].Start, SyntheticSeries.At(2 * Day + 237), SyntheticSeries.At(2 * Day + 243));
    }

    [Fact]
    public void GapsAreNeitherJudgedNorBaseline()
    {
        var synthetic = new SyntheticSeries(seed: 11).Gap(Day, 180).Spike(2 * Day, 5, 8).Gap(2 * Day + 2, 1).Gap(3 * Day, 30);
        AssertFindsExactly(synthetic, AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies);
    }

    [Fact]
    public void UnsortedTimestampsGiveTheSameAnomalies()
    {
        var synthetic = new SyntheticSeries(seed: 12).Spike(2 * Day, 5, 8).Dip(4 * Day, 10, 8);
        var (t, v) = synthetic.Points();
        var order = Enumerable.Range(0, t.Length).OrderBy(_ => Random.Shared.Next()).ToArray();
        var shuffled = TimeSeries.Create(new Dictionary<string, string> { ["__name__"] = "requests", ["service"] = "checkout" },
            [.. order.Select(i => t[i])], [.. order.Select(i => v[i])]);
        Assert.Equal(AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies, AnomalyDetection.Detect(shuffled, Defaults, Now).Anomalies, AnomalyComparer.Instance);
    }

    [Fact]
    public void ATimestampGivenTwiceKeepsItsLastValue()
    {
        var series = TimeSeries.Create(new Dictionary<string, string>(), [3000, 1000, 2000, 1000], [3, 1, 2, 10]);
        Assert.Equal([1000L, 2000, 3000], series.TimestampsMs);
        Assert.Equal([10.0, 2, 3], series.Values);
    }

    [Fact]
    public void HugeValuesGiveTheSameAnomaliesScaled()
    {
        var synthetic = new SyntheticSeries(seed: 13).Spike(2 * Day, 5, 8).Shift(5 * Day, -10);
        var (t, v) = synthetic.Points();
        var huge = TimeSeries.Create(new Dictionary<string, string>(), t, [.. v.Select(x => x * 1e300)]);
        var small = AnomalyDetection.Detect(synthetic.Build(), Defaults, Now).Anomalies;
        var large = AnomalyDetection.Detect(huge, Defaults, Now).Anomalies;
        Assert.Equal(small.Count, large.Count);
        for (var i = 0; i < small.Count; i++)
        {
            Assert.Equal(small[i].Start, large[i].Start);
            Assert.Equal(small[i].Detector, large[i].Detector);
            Assert.Equal(small[i].Score, large[i].Score, 6);
            Assert.Equal(small[i].Value * 1e300, large[i].Value, small[i].Value * 1e288);
        }
    }

    [Fact]
    public void InfinitiesAreGaps()
    {
        var synthetic = new SyntheticSeries(seed: 14);
        var (t, v) = synthetic.Points();
        v[Day] = double.PositiveInfinity;
        v[Day + 1] = double.NegativeInfinity;
        var series = TimeSeries.Create(new Dictionary<string, string>(), t, v);
        Assert.True(double.IsNaN(series.Values[Day]));
        Assert.Empty(AnomalyDetection.Detect(series, Defaults, Now).Anomalies);
    }

    [Fact]
    public void AnEmptySeriesHasNothingToJudge()
    {
        var verdict = AnomalyDetection.Detect(TimeSeries.Create(new Dictionary<string, string> { ["__name__"] = "x" }, [], []), Defaults, Now);
        Assert.Empty(verdict.Anomalies);
        Assert.Equal("x: no samples; nothing to judge.", Assert.Single(verdict.Notes));
    }

    [Fact]
    public void AnAllNaNSeriesHasNothingToJudge()
    {
        var (t, _) = new SyntheticSeries(seed: 15, minutes: 100).Points();
        var verdict = AnomalyDetection.Detect(TimeSeries.Create(new Dictionary<string, string> { ["__name__"] = "x" }, t, new double[100].Select(_ => double.NaN).ToArray()), Defaults, Now);
        Assert.Empty(verdict.Anomalies);
        Assert.Equal("x: 0 of 100 samples with a value; nothing to judge.", Assert.Single(verdict.Notes));
    }

    [Fact]
    public void AConstantSeriesIsQuietAndItsFirstChangeIsNot()
    {
        var t = Enumerable.Range(0, 2 * Day).Select(i => SyntheticSeries.At(i).ToUnixTimeMilliseconds()).ToArray();
        var constant = Enumerable.Repeat(5.0, 2 * Day).ToArray();
        Assert.Empty(AnomalyDetection.Detect(TimeSeries.Create(new Dictionary<string, string>(), t, constant), Defaults, Now).Anomalies);
        // From a window that never moved, any lasting change scores huge (its size over |baseline| x 1e-9); -MinChange is what says how much matters.
        var stepped = constant.Select((v, i) => i >= Day && i < Day + 10 ? 6.0 : v).ToArray();
        var found = AnomalyDetection.Detect(TimeSeries.Create(new Dictionary<string, string>(), t, stepped), Defaults, Now).Anomalies;
        var change = Assert.Single(found, a => a.Detector != AnomalyDetector.LevelShift);
        Assert.Equal(1 / (5 * 1e-9), change.Score, 1);
        Assert.Equal(SyntheticSeries.At(Day), change.Start);
        Assert.Empty(AnomalyDetection.Detect(TimeSeries.Create(new Dictionary<string, string>(), t, stepped), Defaults with { MinChange = 2 }, Now).Anomalies);
    }

    [Fact]
    public void MostlyConstantWindowsFallBackToTheMeanAbsoluteDeviation()
    {
        // A counter of errors per minute: mostly 0, now and then 1. MAD is 0; a run of 1s is not infinite news.
        var random = new Random(16);
        var t = Enumerable.Range(0, 2 * Day).Select(i => SyntheticSeries.At(i).ToUnixTimeMilliseconds()).ToArray();
        var v = Enumerable.Range(0, 2 * Day).Select(_ => random.NextDouble() < 0.2 ? 1.0 : 0.0).ToArray();
        var anomalies = AnomalyDetection.Detect(TimeSeries.Create(new Dictionary<string, string>(), t, v), Defaults with { Detectors = [AnomalyDetector.RobustZScore] }, Now).Anomalies;
        Assert.All(anomalies, a => Assert.True(double.IsFinite(a.Score)));
    }

    [Fact]
    public void SeasonalAloneOnLessThanOnePeriodIsALocatedError()
    {
        var series = new SyntheticSeries(seed: 17, minutes: 600).Build("latency", "cart");
        var error = Assert.Throws<AnomalyInputException>(() => AnomalyDetection.Detect(series, Defaults with { Detectors = [AnomalyDetector.Seasonal] }, Now));
        Assert.Equal("latency{service=\"cart\"} cannot be judged by the seasonal detector: it spans 09:59:00, not more than twice its shortest season (1.00:00:00). Add the RobustZScore detector, give a shorter season, or a longer range.", error.Message);
    }

    [Fact]
    public void SeasonalWithRobustOnLessThanOnePeriodFallsBackWithANote()
    {
        var synthetic = new SyntheticSeries(seed: 18, minutes: 600).Spike(300, 5, 8);
        var verdict = AnomalyDetection.Detect(synthetic.Build(), Defaults, Now);
        AssertFindsExactly(synthetic, verdict.Anomalies);
        Assert.Equal("requests{service=\"checkout\"}: no seasonal baseline (it spans 09:59:00, not more than twice its shortest season (1.00:00:00)); judged by RobustZScore instead.", Assert.Single(verdict.Notes));
    }

    [Fact]
    public void AWindowOfTooFewSamplesIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => AnomalyDetection.Detect(new SyntheticSeries(seed: 19, minutes: 100).Build(), Defaults with { Window = TimeSpan.FromMinutes(5) }, Now));
        Assert.Equal("Window 00:05:00 holds fewer than 6 samples of requests{service=\"checkout\"}, whose step is 00:01:00.", error.Message);
    }

    [Theory]
    [InlineData(-1.0, "Sensitivity must be a positive number, not -1.")]
    [InlineData(double.NaN, "Sensitivity must be a positive number, not NaN.")]
    public void OptionsAreValidated(double sensitivity, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => (Defaults with { Sensitivity = sensitivity }).Validate());
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void TheServiceIsTheServiceLabelElseTheJobElseTheCallers()
    {
        var (t, v) = new SyntheticSeries(seed: 20, minutes: 600).Spike(300, 5, 8).Points();
        var job = TimeSeries.Create(new Dictionary<string, string> { ["__name__"] = "x", ["job"] = "api" }, t, v);
        Assert.Equal("api", AnomalyDetection.Detect(job, Defaults, Now).Anomalies[0].Service);
        Assert.Equal("named", AnomalyDetection.Detect(job, Defaults, Now, "named").Anomalies[0].Service);
    }

    private sealed class AnomalyComparer : IEqualityComparer<MetricAnomaly>
    {
        public static readonly AnomalyComparer Instance = new();

        public bool Equals(MetricAnomaly? x, MetricAnomaly? y) =>
            x!.Detector == y!.Detector && x.Start == y.Start && x.End == y.End && x.Value == y.Value && x.Baseline == y.Baseline && x.Score == y.Score;

        public int GetHashCode(MetricAnomaly obj) => obj.Start.GetHashCode();
    }
}
