using OpsAutomation.Core.Incidents.Anomalies;

namespace OpsAutomation.Core.Tests.Incidents.Anomalies;

/// <summary>The sliding window's median and MAD against a full sort, through adds and removes, ties included.</summary>
public sealed class SortedWindowTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void MedianAndMadMatchAFullSort(int seed, bool ties)
    {
        var random = new Random(seed);
        var window = new SortedWindow(2);
        var held = new List<double>();
        for (var step = 0; step < 3000; step++)
        {
            if (held.Count > 0 && (held.Count > 80 || random.NextDouble() < 0.4))
            {
                var at = random.Next(held.Count);
                window.Remove(held[at]);
                held.RemoveAt(at);
            }
            else
            {
                var value = ties ? random.Next(5) : random.NextDouble() * 100 - 50;
                window.Add(value);
                held.Add(value);
            }
            if (held.Count == 0) continue;
            var median = Median(held);
            Assert.Equal(median, window.Median(), 12);
            var mad = Median(held.Select(v => Math.Abs(v - median)).ToList());
            var expected = mad > 0 ? SortedWindow.MadToSigma * mad : SortedWindow.MeanDeviationToSigma * held.Average(v => Math.Abs(v - median));
            Assert.Equal(expected, window.Scale(median), 9);
        }
    }

    [Fact]
    public void RemovingAValueItDoesNotHoldIsABug()
    {
        var window = new SortedWindow(4);
        window.Add(1);
        Assert.Throws<InvalidOperationException>(() => window.Remove(2));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var half = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[half] : sorted[half - 1] / 2 + sorted[half] / 2;
    }
}
