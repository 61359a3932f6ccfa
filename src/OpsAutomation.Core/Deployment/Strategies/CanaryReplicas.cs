namespace OpsAutomation.Core.Deployment.Strategies;

/// <summary>
/// How many pods the canary and the stable Deployment run for a traffic weight, when the only
/// traffic split is the Service's round robin over ready pods (no mesh, no ingress weights): the
/// share of traffic is the share of pods, so a weight can only be approximated. The split chosen
/// is the one whose canary share is nearest the weight, with at most <c>maxSurge</c> pods over the
/// desired count (fewer pods first on a tie), as Argo Rollouts does for a basic canary.
/// </summary>
public static class CanaryReplicas
{
    public static CanarySplit For(int replicas, int weightPercent, int maxSurge)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSurge);
        if (weightPercent is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(weightPercent), weightPercent, "a weight is a percentage, 0 to 100");
        if (replicas == 0) return new CanarySplit(0, 0);
        if (weightPercent == 0) return new CanarySplit(0, replicas);
        if (weightPercent == 100) return new CanarySplit(replicas, 0);

        var best = new CanarySplit(1, Math.Max(1, replicas - 1));
        var bestError = double.MaxValue;
        for (var total = Math.Max(2, replicas); total <= replicas + maxSurge; total++)
        {
            // The canary count nearest the weight for this total, rounding a half down (less exposure to
            // the new version), kept off the two ends: a weight strictly between 0 and 100 always runs
            // at least one pod of each.
            var canary = Math.Clamp((int)Math.Ceiling(total * weightPercent / 100.0 - 0.5), 1, total - 1);
            var error = Math.Abs((double)canary / total - weightPercent / 100.0);
            if (error < bestError - 1e-9)
            {
                best = new CanarySplit(canary, total - canary);
                bestError = error;
            }
        }
        return best;
    }

    /// <summary>The share of traffic the canary gets when <paramref name="canaryReady"/> and <paramref name="stableReady"/> pods are ready: what a step reports as achieved.</summary>
    public static double AchievedPercent(int canaryReady, int stableReady) =>
        canaryReady + stableReady == 0 ? 0 : 100.0 * canaryReady / (canaryReady + stableReady);
}

/// <summary>The replica counts of one canary step.</summary>
public readonly record struct CanarySplit(int Canary, int Stable)
{
    public double CanaryPercent => Canary + Stable == 0 ? 0 : 100.0 * Canary / (Canary + Stable);
}
