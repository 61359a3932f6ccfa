namespace OpsAutomation.Core.Deployment.Strategies;

/// <summary>One step of a canary, as a spec's Strategy.Steps lists them.</summary>
public abstract record CanaryStep
{
    public abstract string Describe();
}

/// <summary>Scale the canary to this share of the pods (the Service's traffic follows the pods).</summary>
public sealed record SetWeightStep(int Percent) : CanaryStep
{
    public override string Describe() => $"set weight {Percent}%";
}

/// <summary>Wait this long with the current split: the canary takes real traffic while nothing moves.</summary>
public sealed record PauseStep(TimeSpan Duration) : CanaryStep
{
    public override string Describe() => $"pause {Models.DurationText.Format(Duration)}";
}

/// <summary>Run the analysis gates against the Service: a failure aborts the canary.</summary>
public sealed record AnalysisStep : CanaryStep
{
    public override string Describe() => "analysis";
}
