namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>The range-vector functions on one series' points in a range (stale markers already removed), ported from Prometheus 2.x promql/functions.go.</summary>
internal static class RangeFunctions
{
    /// <summary>
    /// extrapolatedRate: the difference between the first and last sample (counter resets added
    /// back for counters), extrapolated to the range's edges when the samples come close to them
    /// (within 1.1 average intervals, else half an interval), a counter never extrapolated below zero.
    /// Null (no output) with fewer than two samples.
    /// </summary>
    public static double? ExtrapolatedRate(ReadOnlySpan<long> times, ReadOnlySpan<double> values, long rangeStartMs, long rangeEndMs, bool isCounter, bool isRate)
    {
        if (values.Length < 2) return null;
        var result = values[^1] - values[0];
        if (isCounter)
        {
            var previous = values[0];
            for (var i = 1; i < values.Length; i++)
            {
                if (values[i] < previous) result += previous;
                previous = values[i];
            }
        }
        var durationToStart = (times[0] - rangeStartMs) / 1000.0;
        var durationToEnd = (rangeEndMs - times[^1]) / 1000.0;
        var sampledInterval = (times[^1] - times[0]) / 1000.0;
        var averageDurationBetweenSamples = sampledInterval / (values.Length - 1);
        if (isCounter && result > 0 && values[0] >= 0)
        {
            var durationToZero = sampledInterval * (values[0] / result);
            if (durationToZero < durationToStart) durationToStart = durationToZero;
        }
        var extrapolationThreshold = averageDurationBetweenSamples * 1.1;
        var extrapolateToInterval = sampledInterval;
        extrapolateToInterval += durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
        extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
        var factor = extrapolateToInterval / sampledInterval;
        if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000.0;
        return result * factor;
    }

    /// <summary>irate: the last two samples' per-second change, the last value itself after a counter reset.</summary>
    public static double? InstantRate(ReadOnlySpan<long> times, ReadOnlySpan<double> values)
    {
        if (values.Length < 2) return null;
        var last = values[^1];
        var previous = values[^2];
        var result = last < previous ? last : last - previous;
        var interval = times[^1] - times[^2];
        if (interval == 0) return null;
        return result / (interval / 1000.0);
    }

    public static double Average(ReadOnlySpan<double> values)
    {
        double mean = 0, compensation = 0, count = 0;
        foreach (var v in values)
        {
            count++;
            if (double.IsInfinity(mean))
            {
                if (double.IsInfinity(v) && (mean > 0) == (v > 0)) continue;
                if (!double.IsInfinity(v) && !double.IsNaN(v)) continue;
            }
            (mean, compensation) = KahanSumIncrement(v / count - mean / count, mean, compensation);
        }
        return double.IsInfinity(mean) ? mean : mean + compensation;
    }

    public static double Sum(ReadOnlySpan<double> values)
    {
        double sum = 0, compensation = 0;
        foreach (var v in values) (sum, compensation) = KahanSumIncrement(v, sum, compensation);
        return double.IsInfinity(sum) ? sum : sum + compensation;
    }

    public static double Min(ReadOnlySpan<double> values)
    {
        var min = values[0];
        foreach (var v in values)
        {
            if (v < min || double.IsNaN(min)) min = v;
        }
        return min;
    }

    public static double Max(ReadOnlySpan<double> values)
    {
        var max = values[0];
        foreach (var v in values)
        {
            if (v > max || double.IsNaN(max)) max = v;
        }
        return max;
    }

    /// <summary>Population variance, Welford's method with compensated sums.</summary>
    public static double Variance(ReadOnlySpan<double> values)
    {
        double count = 0, mean = 0, meanCompensation = 0, aux = 0, auxCompensation = 0;
        foreach (var v in values)
        {
            count++;
            var delta = v - (mean + meanCompensation);
            (mean, meanCompensation) = KahanSumIncrement(delta / count, mean, meanCompensation);
            (aux, auxCompensation) = KahanSumIncrement(delta * (v - (mean + meanCompensation)), aux, auxCompensation);
        }
        return (aux + auxCompensation) / count;
    }

    /// <summary>Prometheus's quantile(): linear interpolation between the closest ranks; NaN sorts first; -Inf/+Inf outside [0, 1].</summary>
    public static double Quantile(double q, ReadOnlySpan<double> values)
    {
        if (values.Length == 0) return double.NaN;
        if (q < 0) return double.NegativeInfinity;
        if (q > 1) return double.PositiveInfinity;
        var sorted = values.ToArray();
        Array.Sort(sorted, static (a, b) => double.IsNaN(a) ? (double.IsNaN(b) ? 0 : -1) : double.IsNaN(b) ? 1 : a.CompareTo(b));
        var n = (double)sorted.Length;
        var rank = q * (n - 1);
        var lower = Math.Max(0, Math.Floor(rank));
        var upper = Math.Min(n - 1, lower + 1);
        var weight = rank - Math.Floor(rank);
        return sorted[(int)lower] * (1 - weight) + sorted[(int)upper] * weight;
    }

    /// <summary>Kahan-Babuska-Neumaier summation step, as Prometheus's kahanSumInc.</summary>
    private static (double Sum, double Compensation) KahanSumIncrement(double increment, double sum, double compensation)
    {
        var t = sum + increment;
        if (Math.Abs(sum) >= Math.Abs(increment)) compensation += sum - t + increment;
        else compensation += increment - t + sum;
        return (t, compensation);
    }
}
