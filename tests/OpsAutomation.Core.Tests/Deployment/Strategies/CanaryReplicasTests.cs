using OpsAutomation.Core.Deployment.Strategies;

namespace OpsAutomation.Core.Tests.Deployment.Strategies;

public sealed class CanaryReplicasTests
{
    [Theory]
    // Exact splits need no surge.
    [InlineData(10, 20, 0, 2, 8)]
    [InlineData(4, 50, 1, 2, 2)]
    [InlineData(5, 60, 0, 3, 2)]
    // 3 pods cannot show 50%: one surge pod makes it 2 of 4.
    [InlineData(3, 50, 1, 2, 2)]
    // Without surge 50% of 3 pods is 1 of 3 (33%) or 2 of 3 (67%): the smaller canary wins the tie.
    [InlineData(3, 50, 0, 1, 2)]
    // A small weight still runs one canary pod, and stable keeps at least one pod below 100%.
    [InlineData(10, 1, 0, 1, 9)]
    [InlineData(2, 99, 0, 1, 1)]
    [InlineData(1, 50, 0, 1, 1)]
    // The ends move everything.
    [InlineData(4, 0, 1, 0, 4)]
    [InlineData(4, 100, 1, 4, 0)]
    [InlineData(0, 50, 1, 0, 0)]
    public void A_weight_becomes_the_nearest_split_of_pods(int replicas, int weight, int maxSurge, int canary, int stable)
    {
        Assert.Equal(new CanarySplit(canary, stable), CanaryReplicas.For(replicas, weight, maxSurge));
    }

    [Fact]
    public void Surge_is_used_only_when_it_brings_the_share_nearer()
    {
        // 25% of 4 is exact: the 2 surge pods allowed stay unused.
        Assert.Equal(new CanarySplit(1, 3), CanaryReplicas.For(4, 25, 2));
        // 33% of 5: 2 of 6 is nearer than 2 of 5 (40%) and 1 of 5 (20%).
        Assert.Equal(new CanarySplit(2, 4), CanaryReplicas.For(5, 33, 1));
    }

    [Theory]
    [InlineData(-1, 50, 0)]
    [InlineData(3, 101, 0)]
    [InlineData(3, -5, 0)]
    [InlineData(3, 50, -1)]
    public void Impossible_inputs_are_refused(int replicas, int weight, int maxSurge)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => CanaryReplicas.For(replicas, weight, maxSurge));
    }

    [Fact]
    public void The_achieved_share_counts_ready_pods()
    {
        Assert.Equal(50, CanaryReplicas.AchievedPercent(2, 2));
        Assert.Equal(0, CanaryReplicas.AchievedPercent(0, 0));
        Assert.Equal(100.0 / 3, CanaryReplicas.AchievedPercent(1, 2), 6);
    }
}
