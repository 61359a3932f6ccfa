namespace OpsAutomation.Core.Incidents.Anomalies;

/// <summary>
/// The values of a sliding window kept sorted: adding or removing one is a binary search and a
/// block move (cheap for the hundreds of values a window holds), the median is read off the
/// middle, and the median absolute deviation is a selection over the two sorted runs of
/// distances either side of the median, in O(log n). Never holds NaN. Grows only when a window
/// holds more values than ever before, so the hot loop allocates nothing.
/// </summary>
internal sealed class SortedWindow(int capacity)
{
    /// <summary>MAD x 1.4826 estimates the standard deviation of normal data.</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>The mean absolute deviation x sqrt(pi/2) estimates the standard deviation of normal data.</summary>
    public const double MeanDeviationToSigma = 1.2533141373155;

    private double[] _items = new double[Math.Max(capacity, 4)];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Add(double value)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        var at = LowerBound(value);
        Array.Copy(_items, at, _items, at + 1, Count - at);
        _items[at] = value;
        Count++;
    }

    public void Remove(double value)
    {
        var at = LowerBound(value);
        if (at == Count || _items[at] != value) throw new InvalidOperationException($"The window holds no value {value}.");
        Array.Copy(_items, at + 1, _items, at, Count - at - 1);
        Count--;
    }

    public double Median()
    {
        var half = Count / 2;
        return Count % 2 == 1 ? _items[half] : _items[half - 1] / 2 + _items[half] / 2;
    }

    /// <summary>
    /// A robust standard deviation around <paramref name="median"/>: MAD x 1.4826; when more than
    /// half the values equal the median (MAD 0), the mean absolute deviation x 1.2533; 0 only
    /// when every value equals the median.
    /// </summary>
    public double Scale(double median)
    {
        var mad = Count % 2 == 1 ? KthDistance(median, Count / 2) : KthDistance(median, Count / 2 - 1) / 2 + KthDistance(median, Count / 2) / 2;
        if (mad > 0) return MadToSigma * mad;
        var sum = 0.0;
        for (var i = 0; i < Count; i++) sum += Math.Abs(_items[i] - median);
        return MeanDeviationToSigma * (sum / Count);
    }

    /// <summary>
    /// The k-th smallest (0-based) of |x - m| over the window. Left of the split the distances
    /// m - items[split-1-i] rise with i, right of it items[split+j] - m rise with j: the k-th of
    /// two sorted runs, by binary search on how many come from the left.
    /// </summary>
    internal double KthDistance(double m, int k)
    {
        var split = LowerBound(m);
        var nLeft = split;
        var nRight = Count - split;
        var take = k + 1;
        var lo = Math.Max(0, take - nRight);
        var hi = Math.Min(take, nLeft);
        while (true)
        {
            var i = (lo + hi) / 2;
            var j = take - i;
            if (i < nLeft && j > 0 && Right(split, j - 1, m) > Left(split, i, m)) lo = i + 1;
            else if (i > 0 && j < nRight && Left(split, i - 1, m) > Right(split, j, m)) hi = i - 1;
            else
            {
                var a = i > 0 ? Left(split, i - 1, m) : double.NegativeInfinity;
                var b = j > 0 ? Right(split, j - 1, m) : double.NegativeInfinity;
                return Math.Max(a, b);
            }
        }
    }

    private double Left(int split, int i, double m) => m - _items[split - 1 - i];

    private double Right(int split, int j, double m) => _items[split + j] - m;

    private int LowerBound(double value)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_items[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
