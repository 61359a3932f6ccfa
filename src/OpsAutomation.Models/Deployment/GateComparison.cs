namespace OpsAutomation.Models.Deployment;

/// <summary>How a metric gate's value must compare to its threshold to pass; written &lt;, &lt;=, &gt; or &gt;=.</summary>
public enum GateComparison
{
    /// <summary>&lt;: the value must be below the threshold.</summary>
    LessThan,
    /// <summary>&lt;=: the value must not exceed the threshold.</summary>
    LessThanOrEqual,
    /// <summary>&gt;: the value must be above the threshold.</summary>
    GreaterThan,
    /// <summary>&gt;=: the value must reach the threshold.</summary>
    GreaterThanOrEqual,
}
