namespace OpsAutomation.Models.Deployment;

/// <summary>How a new version replaces the running one.</summary>
public enum DeploymentStrategyKind
{
    /// <summary>The Deployment's own rolling update (or Recreate, as its manifest says), watched to the end.</summary>
    RollingUpdate,

    /// <summary>A second Deployment behind the same Service, scaled step by step with analysis, then promoted or aborted.</summary>
    Canary,

    /// <summary>Two Deployments and an active and a preview Service: the idle color is validated, then the Service switched.</summary>
    BlueGreen,
}
