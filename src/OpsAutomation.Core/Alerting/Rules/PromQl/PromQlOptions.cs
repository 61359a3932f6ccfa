namespace OpsAutomation.Core.Alerting.Rules.PromQl;

/// <summary>Settings of <see cref="PromQlEngine"/>.</summary>
public sealed record PromQlOptions
{
    /// <summary>How far back an instant selector looks for a series' latest sample; Prometheus's default, 5 minutes.</summary>
    public TimeSpan LookbackDelta { get; init; } = TimeSpan.FromMinutes(5);
}
