namespace OpsAutomation.Models.Deployment;

/// <summary>What a server-side apply did to one object, as kubectl apply reports it.</summary>
public enum ManifestApplyOutcome
{
    /// <summary>The object did not exist and was created.</summary>
    Created,

    /// <summary>The object existed and the apply changed it (its resourceVersion moved).</summary>
    Configured,

    /// <summary>The object existed and the apply changed nothing (same resourceVersion, no new revision).</summary>
    Unchanged,
}
