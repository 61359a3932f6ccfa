namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>One object ready to apply: its manifest, the server's resource for its kind, and its namespace (null when cluster-scoped).</summary>
public sealed record PlannedObject(Manifest Manifest, ApiResource Resource, string? Namespace)
{
    public override string ToString() => Manifest.ToString();
}

/// <summary>Manifests checked against the server (every kind known, every namespace there or created by the set) and in apply order.</summary>
public sealed class ManifestPlan
{
    internal ManifestPlan(IReadOnlyList<PlannedObject> objects) => Objects = objects;

    public IReadOnlyList<PlannedObject> Objects { get; }
}
