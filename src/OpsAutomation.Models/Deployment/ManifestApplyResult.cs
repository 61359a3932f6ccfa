namespace OpsAutomation.Models.Deployment;

/// <summary>One object of a manifest set after Deploy-KubernetesManifest applied it (or, with -WhatIf, dry-ran it).</summary>
public sealed record ManifestApplyResult
{
    /// <summary>The object's kind: Deployment, Service, ConfigMap.</summary>
    public required string Kind { get; init; }

    /// <summary>The object's apiVersion: apps/v1, v1.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>The object's namespace; null for a cluster-scoped object (a Namespace itself).</summary>
    public string? Namespace { get; init; }

    /// <summary>The object's name.</summary>
    public required string Name { get; init; }

    /// <summary>Created, Configured or Unchanged; with <see cref="DryRun"/>, what the apply would do.</summary>
    public required ManifestApplyOutcome Outcome { get; init; }

    /// <summary>True when the server only dry-ran the apply (-WhatIf, or a change declined at -Confirm): nothing changed.</summary>
    public bool DryRun { get; init; }

    /// <summary>metadata.generation after the apply, for kinds that keep one (Deployments); null otherwise.</summary>
    public long? Generation { get; init; }

    /// <summary>metadata.resourceVersion after the apply.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>
    /// A unified diff of the live object against the applied one, without managedFields, resourceVersion,
    /// generation, uid, creationTimestamp and status; a Secret's data shows only as "(secret data changed)".
    /// Set when the apply was previewed (-WhatIf, -Confirm); empty when nothing changes.
    /// </summary>
    public string? Diff { get; init; }

    /// <summary>Where the object's manifest is: file:line.</summary>
    public required string Source { get; init; }

    /// <summary>The field manager the apply used.</summary>
    public required string FieldManager { get; init; }

    /// <summary>When this was done.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
