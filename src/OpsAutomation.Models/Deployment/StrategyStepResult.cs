namespace OpsAutomation.Models.Deployment;

/// <summary>
/// One step a canary or blue-green run took: a weight set (with the share of ready pods it
/// achieved), a pause, an analysis, a switch of the active Service, a promotion or an abort.
/// </summary>
public sealed record StrategyStepResult
{
    /// <summary>The step's position in the strategy, from 1; 0 for the moves around the steps (promote, abort, switch back).</summary>
    public required int Index { get; init; }

    /// <summary>SetWeight, Pause, Analysis, Preview, Switch, ScaleDown, Promote, Abort or SwitchBack.</summary>
    public required string Kind { get; init; }

    /// <summary>What the step did, in a sentence: "canary 1 of 4 pods (25%, asked 25%)".</summary>
    public required string Description { get; init; }

    /// <summary>Whether the step did what it was for; false names why in <see cref="Description"/>.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>For SetWeight: the weight asked, in percent.</summary>
    public int? RequestedWeight { get; init; }

    /// <summary>For SetWeight: the canary's share of ready pods once the step settled, in percent (the Service's real traffic split).</summary>
    public double? AchievedWeight { get; init; }

    /// <summary>When the step began.</summary>
    public DateTimeOffset Started { get; init; }

    /// <summary>When the step settled (a weight's pods ready, a pause over, an analysis decided).</summary>
    public DateTimeOffset Ended { get; init; }
}
