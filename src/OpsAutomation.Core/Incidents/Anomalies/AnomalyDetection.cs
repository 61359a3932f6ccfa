using System.Buffers;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Anomalies;

/// <summary>What judging one series gave: its anomalies, and notes on how it was judged (a fallback taken, too little data).</summary>
public sealed record SeriesVerdict(string Series, IReadOnlyList<MetricAnomaly> Anomalies, IReadOnlyList<string> Notes);

/// <summary>A series cannot be judged as asked (the seasonal detector alone on less than one period of history); the message names the series.</summary>
public sealed class AnomalyInputException(string message) : Exception(message);

/// <summary>
/// Anomaly detection over one series, as pure functions: the same series and options give the
/// same anomalies. Three detectors:
/// <list type="bullet">
/// <item><b>RobustZScore</b>: each point against the median of the trailing <see cref="AnomalyOptions.Window"/>,
/// in robust standard deviations (MAD x 1.4826; the mean absolute deviation x 1.2533 when more than
/// half the window equals its median; a window of one value makes any other value score infinity).</item>
/// <item><b>Seasonal</b>: one season per series, the longest it covers three times (else more than
/// twice): a day for a week of history, a week from three weeks on. A point's baseline is the median of the same
/// slot (its time +/- 2 steps) in up to 4 earlier periods, each slot value taken relative to the mean
/// of the period before it and the median added to the mean of the period before the point, so a
/// trend does not leak into the baseline. The residuals are then judged as RobustZScore judges
/// values, and LevelShift runs on them. Points without two periods before them are left to
/// RobustZScore when it runs.</item>
/// <item><b>LevelShift</b>: at each point, the median of the window after it against the median and
/// robust deviation of the window before it; a run of such points is one shift, placed at the split
/// that fits the two levels best (least absolute deviations), lasting while the values stay nearer
/// the new level.</item>
/// </list>
/// A point is anomalous when its score is at least <see cref="AnomalyOptions.Sensitivity"/> from zero
/// and it differs from the baseline by at least <see cref="AnomalyOptions.MinChange"/>; consecutive
/// anomalous points in one direction are one anomaly, kept when it covers at least
/// <see cref="AnomalyOptions.MinDuration"/>. Time and memory are linear in the series (sorted sliding
/// windows; no allocation per point).
/// </summary>
public static class AnomalyDetection
{
    /// <summary>Half the width of a seasonal slot, in steps: the slot is 5 samples of each earlier period.</summary>
    private const int SlotHalfWidthSteps = 2;

    /// <summary>A scale below |baseline| x this is floating-point noise, not spread.</summary>
    private const double RelativeScaleFloor = 1e-9;

    /// <summary>Judges <paramref name="series"/>.</summary>
    /// <param name="now">Each anomaly's <see cref="MetricAnomaly.Timestamp"/>.</param>
    /// <param name="service">The service named on each anomaly; null for the series' <c>service</c> label, else its <c>job</c> label.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the window holds fewer than 6 samples of the step.</exception>
    /// <exception cref="AnomalyInputException">Seasonal is the only point detector and the series is shorter than its shortest season.</exception>
    public static SeriesVerdict Detect(TimeSeries series, AnomalyOptions options, DateTimeOffset now, string? service = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var notes = new List<string>();
        var anomalies = new List<MetricAnomaly>();
        var finite = 0;
        foreach (var v in series.Values) if (!double.IsNaN(v)) finite++;
        if (finite < 2)
        {
            notes.Add($"{series.Name}: {(series.Count == 0 ? "no samples" : $"{finite} of {series.Count} samples with a value")}; nothing to judge.");
            return new SeriesVerdict(series.Name, anomalies, notes);
        }
        var stepMs = options.Step is { } s ? (long)s.TotalMilliseconds : MedianStep(series.TimestampsMs);
        var windowMs = options.Window is { } w ? (long)w.TotalMilliseconds : stepMs * AnomalyOptions.DefaultWindowSamples;
        if (windowMs < 6 * stepMs)
            throw new ArgumentException($"Window {TimeSpan.FromMilliseconds(windowMs)} holds fewer than 6 samples of {series.Name}, whose step is {TimeSpan.FromMilliseconds(stepMs)}.");
        var context = new Context(series, options, now, service ?? series.Labels.GetValueOrDefault("service") ?? series.Labels.GetValueOrDefault("job"),
            stepMs, windowMs, options.MinDuration is { } d ? (long)d.TotalMilliseconds : stepMs * AnomalyOptions.DefaultMinDurationSamples, anomalies);

        var detectors = options.Detectors;
        var robust = detectors.Contains(AnomalyDetector.RobustZScore);
        var seasonal = detectors.Contains(AnomalyDetector.Seasonal);
        var n = series.Count;
        var baselines = ArrayPool<double>.Shared.Rent(n);
        var residuals = ArrayPool<double>.Shared.Rent(n);
        var levels = ArrayPool<double>.Shared.Rent(n);
        var suspect = ArrayPool<bool>.Shared.Rent(n);
        try
        {
            var seasonalPoints = 0;
            long periodMs = 0, seasonalFrom = long.MaxValue;
            Array.Clear(suspect, 0, n);
            if (seasonal)
            {
                seasonalPoints = SeasonalBaselines(series, options.Seasons, stepMs, baselines, levels, residuals, out periodMs);
                var period = TimeSpan.FromMilliseconds(periodMs);
                // The residuals' window fills during the first window of the season; RobustZScore judges until it is full.
                for (var i = 0; i < n; i++)
                {
                    if (double.IsNaN(baselines[i])) continue;
                    seasonalFrom = series.TimestampsMs[i] + windowMs;
                    break;
                }
                if (seasonalPoints == 0)
                {
                    var shortest = options.Seasons.Count == 0 ? (TimeSpan?)null : options.Seasons.Min();
                    var span = TimeSpan.FromMilliseconds(series.TimestampsMs[^1] - series.TimestampsMs[0]);
                    var why = shortest is null ? "no season is given" : $"it spans {span}, not more than twice its shortest season ({shortest})";
                    if (!robust && !detectors.Contains(AnomalyDetector.LevelShift))
                        throw new AnomalyInputException($"{series.Name} cannot be judged by the seasonal detector: {why}. Add the RobustZScore detector, give a shorter season, or a longer range.");
                    notes.Add($"{series.Name}: no seasonal baseline ({why}); {(robust ? "judged by RobustZScore instead" : "judged by the other detectors only")}.");
                    seasonal = false;
                }
                else
                {
                    notes.Add($"{series.Name}: seasonal baseline from the same time {(period == TimeSpan.FromDays(7) ? "of week" : period == TimeSpan.FromDays(1) ? "of day" : $"in each {period} period")}"
                        + (seasonalPoints < finite ? $"; the {finite - seasonalPoints} sample(s) without two periods before them {(robust ? "judged by RobustZScore" : "not judged")}." : "."));
                }
            }
            if (robust) ScanTrailing(context, seasonal ? baselines : null, seasonalFrom, suspect);
            if (seasonal) ScanSeasonal(context, levels, baselines, residuals, suspect, periodMs, seasonalFrom);
            if (detectors.Contains(AnomalyDetector.LevelShift)) ScanLevelShifts(context, seasonal ? residuals : series.Values, seasonal ? baselines : null);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(baselines);
            ArrayPool<double>.Shared.Return(residuals);
            ArrayPool<double>.Shared.Return(levels);
            ArrayPool<bool>.Shared.Return(suspect);
        }
        anomalies.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Detector.CompareTo(b.Detector));
        return new SeriesVerdict(series.Name, anomalies, notes);
    }

    /// <summary>The median time between samples (at least 1 ms).</summary>
    internal static long MedianStep(long[] timestamps)
    {
        if (timestamps.Length < 2) return 1;
        var deltas = new double[timestamps.Length - 1];
        for (var i = 1; i < timestamps.Length; i++) deltas[i - 1] = timestamps[i] - timestamps[i - 1];
        return Math.Max(1, (long)Median(deltas));
    }

    private sealed class Context(TimeSeries series, AnomalyOptions options, DateTimeOffset now, string? service, long stepMs, long windowMs, long minDurationMs,
        List<MetricAnomaly> anomalies)
    {
        public TimeSeries Series { get; } = series;
        public AnomalyOptions Options { get; } = options;
        public long StepMs { get; } = stepMs;
        public long WindowMs { get; } = windowMs;
        public long MinDurationMs { get; } = minDurationMs;

        /// <summary>A window is judged from half the samples it would hold without gaps, and never fewer than 3.</summary>
        public int MinSamples(long spanMs) => (int)Math.Max(3, spanMs / StepMs / 2);

        /// <summary>Keeps an anomaly that covers at least the minimum duration and ends on or after ReportFrom.</summary>
        public void Emit(AnomalyDetector detector, int first, int last, double value, double baseline, double score)
        {
            var t = Series.TimestampsMs;
            if (t[last] - t[first] + StepMs < MinDurationMs) return;
            var end = DateTimeOffset.FromUnixTimeMilliseconds(t[last]);
            if (Options.ReportFrom is { } from && end < from) return;
            anomalies.Add(new MetricAnomaly
            {
                Series = Series.Name,
                Metric = Series.Metric,
                Labels = Series.Labels,
                Service = service,
                Detector = detector,
                Direction = value >= baseline ? AnomalyDirection.Above : AnomalyDirection.Below,
                Start = DateTimeOffset.FromUnixTimeMilliseconds(t[first]),
                End = end,
                Value = value,
                Baseline = baseline,
                Score = Math.Abs(score),
                Window = TimeSpan.FromMilliseconds(WindowMs),
                Timestamp = now,
            });
        }
    }

    /// <summary>
    /// Chooses the season, fills <paramref name="levels"/>, and marks in <paramref name="baselines"/>
    /// (0, else NaN) the points that will have a seasonal baseline; returns how many. The baseline is level-adjusted, so a trend does not leak into
    /// it: b(t) = level(t) + median over the slot of (x(s) - level(s)), where level(s) is the mean of
    /// the period before s (a whole period averages the season out) and the slot is the samples
    /// within 2 steps of t - kP for k = 1..4. A point so needs two periods before it.
    /// </summary>
    private static int SeasonalBaselines(TimeSeries series, IReadOnlyList<TimeSpan> seasons, long stepMs, double[] baselines, double[] levels, double[] residuals,
        out long periodMs)
    {
        var t = series.TimestampsMs;
        var x = series.Values;
        var n = t.Length;
        var half = SlotHalfWidthSteps * stepMs;
        periodMs = 0;
        for (var i = 0; i < n; i++)
        {
            baselines[i] = double.NaN;
            residuals[i] = double.NaN;
        }
        var span = t[^1] - t[0];
        // A season needs two periods before a point (one for the slot, one before that for its level): the series must cover more than two.
        var usable = seasons.Select(p => (long)p.TotalMilliseconds).Where(p => p > 2 * half && span + stepMs > 2 * p).ToArray();
        if (usable.Length == 0) return 0;
        // The longest season the series covers three times, else the longest it covers more than twice: one season per series, so the residuals never jump where a longer season takes over.
        var thrice = usable.Where(p => span + stepMs >= 3 * p).ToArray();
        var period = thrice.Length > 0 ? thrice.Max() : usable.Max();
        periodMs = period;

        // level(i): the mean of the finite values in [t - P, t), when that period lies in the series and is at least half full; sums kept relative to one value for precision.
        var reference = 0.0;
        foreach (var v in x) if (!double.IsNaN(v)) { reference = v; break; }
        var minCount = Math.Max(3, period / stepMs / 2);
        double sum = 0;
        long count = 0;
        var lo = 0;
        for (var i = 0; i < n; i++)
        {
            if (i > 0 && !double.IsNaN(x[i - 1]))
            {
                sum += x[i - 1] - reference;
                count++;
            }
            for (; t[lo] < t[i] - period; lo++)
            {
                if (double.IsNaN(x[lo])) continue;
                sum -= x[lo] - reference;
                count--;
            }
            levels[i] = t[i] - period + stepMs / 2 >= t[0] && count >= minCount ? reference + sum / count : double.NaN;
        }

        var judged = 0;
        for (var i = 0; i < n; i++)
        {
            if (double.IsNaN(x[i]) || double.IsNaN(levels[i]) || !HasSlot(t, x, levels, i, period, half)) continue;
            baselines[i] = 0; // Seasonal judges it; ScanSeasonal sets the value.
            judged++;
        }
        return judged;
    }

    private static bool HasSlot(long[] t, double[] x, double[] levels, int i, long period, long half)
    {
        for (var k = 1; k <= AnomalyOptions.MaxSeasonPeriods; k++)
        {
            var center = t[i] - k * period;
            if (center + half < t[0]) break;
            for (var j = LowerBound(t, center - half); j < t.Length && t[j] <= center + half; j++)
                if (!double.IsNaN(x[j]) && !double.IsNaN(levels[j])) return true;
        }
        return false;
    }

    /// <summary>The slot values x(s) - level(s) of point i, leaving out the points judged anomalous (all of them when nothing else is left).</summary>
    private static int GatherSlot(long[] t, double[] x, double[] levels, bool[] suspect, int i, long period, long half, ref double[] slot)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            var found = 0;
            for (var k = 1; k <= AnomalyOptions.MaxSeasonPeriods; k++)
            {
                var center = t[i] - k * period;
                if (center + half < t[0]) break;
                for (var j = LowerBound(t, center - half); j < t.Length && t[j] <= center + half; j++)
                {
                    if (double.IsNaN(x[j]) || double.IsNaN(levels[j]) || (pass == 0 && suspect[j])) continue;
                    if (found == slot.Length) Array.Resize(ref slot, slot.Length * 2);
                    slot[found++] = x[j] - levels[j];
                }
            }
            if (found > 0) return found;
        }
        return 0;
    }

    /// <summary>
    /// Seasonal, in one forward pass: each marked point's baseline from its slot (anomalous points
    /// of earlier periods left out, so yesterday's spike does not make today's normal a dip), its
    /// residual, and the residual's distance from zero in robust deviations of the trailing
    /// residuals. Zero, not the residuals' median, is the centre: a baseline already follows the
    /// level, so an anomaly that lasts stays one anomaly and its end is not another.
    /// </summary>
    private static void ScanSeasonal(Context context, double[] levels, double[] baselines, double[] residuals, bool[] suspect, long period, long seasonalFrom)
    {
        var t = context.Series.TimestampsMs;
        var x = context.Series.Values;
        var options = context.Options;
        var half = SlotHalfWidthSteps * context.StepMs;
        var minSamples = context.MinSamples(context.WindowMs);
        var window = new SortedWindow(minSamples * 3);
        var runs = new RunTracker(context, AnomalyDetector.Seasonal);
        var slot = new double[AnomalyOptions.MaxSeasonPeriods * (2 * SlotHalfWidthSteps + 3)];
        var lo = 0;
        for (var i = 0; i < t.Length; i++)
        {
            if (i > 0 && !double.IsNaN(residuals[i - 1])) window.Add(residuals[i - 1]);
            for (; t[lo] < t[i] - context.WindowMs; lo++)
                if (!double.IsNaN(residuals[lo])) window.Remove(residuals[lo]);
            if (double.IsNaN(baselines[i])) continue;
            var found = GatherSlot(t, x, levels, suspect, i, period, half, ref slot);
            baselines[i] = levels[i] + Median(slot.AsSpan(0, found));
            var residual = residuals[i] = x[i] - baselines[i];
            if (window.Count < minSamples || t[i] < seasonalFrom)
            {
                runs.Close();
                continue;
            }
            var score = Score(residual, window.Scale(window.Median()), baselines[i]);
            if (Math.Abs(score) >= options.Sensitivity && Math.Abs(residual) >= options.MinChange && residual != 0)
            {
                suspect[i] = true;
                runs.Add(i, Math.Sign(residual), score, x[i], baselines[i]);
            }
            else runs.Close();
        }
        runs.Close();
    }

    /// <summary>
    /// RobustZScore: each point against the median and robust deviation of the trailing window.
    /// Points that have a seasonal baseline (<paramref name="seasonal"/> not NaN) from
    /// <paramref name="seasonalFrom"/> on are left to Seasonal but still enter the window. Anomalous points are marked in <paramref name="suspect"/>.
    /// </summary>
    private static void ScanTrailing(Context context, double[]? seasonal, long seasonalFrom, bool[] suspect)
    {
        var t = context.Series.TimestampsMs;
        var x = context.Series.Values;
        var options = context.Options;
        var minSamples = context.MinSamples(context.WindowMs);
        var window = new SortedWindow(minSamples * 3);
        var runs = new RunTracker(context, AnomalyDetector.RobustZScore);
        var lo = 0;
        for (var i = 0; i < t.Length; i++)
        {
            if (i > 0 && !double.IsNaN(x[i - 1])) window.Add(x[i - 1]);
            for (; t[lo] < t[i] - context.WindowMs; lo++)
                if (!double.IsNaN(x[lo])) window.Remove(x[lo]);
            if (double.IsNaN(x[i])) continue;
            if ((seasonal is not null && !double.IsNaN(seasonal[i]) && t[i] >= seasonalFrom) || window.Count < minSamples)
            {
                runs.Close();
                continue;
            }
            var median = window.Median();
            var deviation = x[i] - median;
            var score = Score(deviation, window.Scale(median), median);
            if (Math.Abs(score) >= options.Sensitivity && Math.Abs(deviation) >= options.MinChange && deviation != 0)
            {
                suspect[i] = true;
                runs.Add(i, Math.Sign(deviation), score, x[i], median);
            }
            else runs.Close();
        }
        runs.Close();
    }

    /// <summary>deviation / scale, with the scale floored at |baseline| x 1e-9; infinity when a constant window (scale 0) meets another value.</summary>
    private static double Score(double deviation, double scale, double baseline)
    {
        scale = Math.Max(scale, Math.Abs(baseline) * RelativeScaleFloor);
        if (scale > 0) return deviation / scale;
        return deviation == 0 ? 0 : deviation > 0 ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>Consecutive anomalous points in one direction, made one anomaly at its most extreme point.</summary>
    private sealed class RunTracker(Context context, AnomalyDetector detector)
    {
        private int _first = -1, _last, _sign;
        private double _value, _baseline, _score;

        public void Add(int index, int sign, double score, double value, double baseline)
        {
            if (_first >= 0 && sign != _sign) Close();
            if (_first < 0)
            {
                _first = index;
                _sign = sign;
                _score = 0;
            }
            _last = index;
            if (Math.Abs(score) > Math.Abs(_score) || (Math.Abs(score) == Math.Abs(_score) && Math.Abs(value - baseline) > Math.Abs(_value - _baseline)))
            {
                _score = score;
                _value = value;
                _baseline = baseline;
            }
        }

        public void Close()
        {
            if (_first < 0) return;
            context.Emit(detector, _first, _last, _value, _baseline, _score);
            _first = -1;
        }
    }

    /// <summary>
    /// At each point, the median of the values in [t, t + after) against the median and robust
    /// deviation of [t - window, t). A run of points whose shift scores past the threshold in one
    /// direction is one level shift; it starts at the split of the run that fits the old and the
    /// new level with the least absolute deviations.
    /// </summary>
    private static void ScanLevelShifts(Context context, double[] x, double[]? offsets)
    {
        var t = context.Series.TimestampsMs;
        var options = context.Options;
        var afterMs = Math.Max(context.WindowMs, 2 * context.MinDurationMs);
        var minBefore = context.MinSamples(context.WindowMs);
        var minAfter = context.MinSamples(afterMs);
        var before = new SortedWindow(minBefore * 3);
        var after = new SortedWindow(minAfter * 3);
        int lo = 0, hi = 0;
        // The run in progress: its first and last point, and the best-scoring point's levels and scale.
        int first = -1, last = 0, sign = 0;
        double bestScore = 0, oldLevel = 0, newLevel = 0;
        for (var i = 0; i < t.Length; i++)
        {
            if (i > 0 && !double.IsNaN(x[i - 1]))
            {
                before.Add(x[i - 1]);
                after.Remove(x[i - 1]);
            }
            for (; t[lo] < t[i] - context.WindowMs; lo++)
                if (!double.IsNaN(x[lo])) before.Remove(x[lo]);
            for (; hi < t.Length && t[hi] < t[i] + afterMs; hi++)
                if (!double.IsNaN(x[hi])) after.Add(x[hi]);
            if (double.IsNaN(x[i])) continue;
            var candidate = 0;
            double score = 0, oldMedian = 0, newMedian = 0;
            if (before.Count >= minBefore && after.Count >= minAfter)
            {
                oldMedian = before.Median();
                newMedian = after.Median();
                var shift = newMedian - oldMedian;
                score = Score(shift, before.Scale(oldMedian), oldMedian);
                if (Math.Abs(score) >= options.Sensitivity && Math.Abs(shift) >= options.MinChange && shift != 0) candidate = Math.Sign(shift);
            }
            if (first >= 0 && candidate != sign)
            {
                EmitShift(context, x, offsets, first, last, oldLevel, newLevel, bestScore, afterMs);
                first = -1;
            }
            if (candidate == 0) continue;
            if (first < 0)
            {
                first = i;
                sign = candidate;
                bestScore = 0;
            }
            last = i;
            if (Math.Abs(score) > Math.Abs(bestScore))
            {
                bestScore = score;
                oldLevel = oldMedian;
                newLevel = newMedian;
            }
        }
        if (first >= 0) EmitShift(context, x, offsets, first, last, oldLevel, newLevel, bestScore, afterMs);
    }

    /// <summary>
    /// Places the shift of the run [first, last] at its best split, and ends it at the last point of
    /// the next window still nearer the new level. A shift is kept only when at least two thirds of
    /// that window's points are nearer the new level than the old: a flap moves the median, not the level.
    /// </summary>
    private static void EmitShift(Context context, double[] x, double[]? offsets, int first, int last, double oldLevel, double newLevel, double score, long afterMs)
    {
        var t = context.Series.TimestampsMs;
        // cost(c) = sum over [first, c) of |x - old| + sum over [c, last] of |x - new|; walk c up, moving one point from the new side to the old.
        var cost = 0.0;
        for (var j = first; j <= last; j++)
            if (!double.IsNaN(x[j])) cost += Math.Abs(x[j] - newLevel);
        var best = cost;
        var split = first;
        for (var c = first + 1; c <= last; c++)
        {
            var v = x[c - 1];
            if (!double.IsNaN(v)) cost += Math.Abs(v - oldLevel) - Math.Abs(v - newLevel);
            if (cost < best && !double.IsNaN(x[c]))
            {
                best = cost;
                split = c;
            }
        }
        var end = split;
        int nearerNew = 0, nearerOld = 0;
        for (var j = split; j < t.Length && t[j] < t[split] + afterMs; j++)
        {
            if (double.IsNaN(x[j])) continue;
            if (Math.Abs(x[j] - newLevel) < Math.Abs(x[j] - oldLevel))
            {
                end = j;
                nearerNew++;
            }
            else nearerOld++;
        }
        if (nearerNew < 2 * nearerOld) return;
        var offset = offsets is null ? 0 : offsets[split];
        context.Emit(AnomalyDetector.LevelShift, split, end, newLevel + offset, oldLevel + offset, score);
    }

    private static int LowerBound(long[] values, long value)
    {
        int lo = 0, hi = values.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (values[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>The median of <paramref name="values"/> (reordered in place; never empty, no NaN).</summary>
    internal static double Median(Span<double> values)
    {
        var k = values.Length / 2;
        var upper = Select(values, k);
        if (values.Length % 2 == 1) return upper;
        var lower = double.NegativeInfinity;
        for (var i = 0; i < k; i++) if (values[i] > lower) lower = values[i];
        return lower / 2 + upper / 2;
    }

    /// <summary>The k-th smallest (0-based), by quickselect; afterwards nothing left of k is larger.</summary>
    private static double Select(Span<double> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var pivot = Math.Max(Math.Min(a[lo], a[mid]), Math.Min(Math.Max(a[lo], a[mid]), a[hi]));
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return a[k];
        }
        return a[k];
    }
}
