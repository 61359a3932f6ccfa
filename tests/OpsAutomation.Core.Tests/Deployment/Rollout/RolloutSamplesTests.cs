using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Rollout;

public sealed class RolloutSamplesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static RolloutSample Sample(int second, int available, int desired = 3) =>
        new() { Timestamp = Start.AddSeconds(second), Desired = desired, Updated = desired, Ready = available, Available = available, Total = desired };

    [Fact]
    public void Equal_counts_in_a_row_are_one_sample_the_first_of_the_run()
    {
        var samples = new RolloutSamples();
        samples.Add(Sample(0, 0));
        samples.Add(Sample(1, 0));
        samples.Add(Sample(2, 1));
        samples.Add(Sample(3, 1));
        samples.Add(Sample(4, 0));

        Assert.Equal([(0, 0), (2, 1), (4, 0)], samples.ToList().Select(s => ((int)(s.Timestamp - Start).TotalSeconds, s.Available)));
    }

    [Theory]
    [InlineData(10, 9)]
    [InlineData(10, 25)]
    [InlineData(200, 1000)]
    [InlineData(200, 12345)]
    [InlineData(7, 100)]
    public void Past_the_capacity_the_samples_thin_evenly_keeping_the_first_and_the_newest(int capacity, int changes)
    {
        var samples = new RolloutSamples(capacity);
        for (var i = 0; i < changes; i++) samples.Add(Sample(i, i % 2, desired: i));

        var kept = samples.ToList();

        Assert.InRange(kept.Count, Math.Min(changes, capacity / 2), capacity);
        Assert.Equal(0, kept[0].Desired);
        Assert.Equal(changes - 1, kept[^1].Desired);
        var gaps = kept.Zip(kept.Skip(1), (a, b) => b.Desired - a.Desired).SkipLast(1).ToList();
        // Evenly: apart from the newest, every kept sample is the same number of changes after the one before.
        Assert.Single(gaps.Distinct());
    }

    [Fact]
    public void A_capacity_below_three_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutSamples(2));
}
