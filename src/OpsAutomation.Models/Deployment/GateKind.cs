namespace OpsAutomation.Models.Deployment;

/// <summary>What a validation gate checks.</summary>
public enum GateKind
{
    /// <summary>Health checks through the module's health engine that must pass several times in a row.</summary>
    Health,

    /// <summary>A PromQL query against Prometheus compared with a threshold.</summary>
    Metric,
}
