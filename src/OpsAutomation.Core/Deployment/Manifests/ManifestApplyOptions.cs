namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>A change the applier is about to make, for the confirmation (ShouldProcess at the prompt).</summary>
/// <param name="Target">The object: "Deployment shop/web (web.yaml:1)".</param>
/// <param name="Action">What is done to it: "Server-side apply (create)".</param>
/// <param name="Diff">The dry run's diff against the live object, when the apply was previewed; "" when nothing changes.</param>
public sealed record PlannedChange(string Target, string Action, string? Diff);

/// <summary>Asked before every change to the cluster; false leaves the object as it is (a dry run is reported instead).</summary>
public delegate Task<bool> ConfirmChange(PlannedChange change, CancellationToken cancellationToken);

/// <summary>How manifests are applied.</summary>
public sealed class ManifestApplyOptions
{
    /// <summary>The module's field manager: what owns the fields this module applies.</summary>
    public const string DefaultFieldManager = "opsautomation";

    /// <summary>The field manager of the apply; default <see cref="DefaultFieldManager"/>.</summary>
    public string FieldManager { get; init; } = DefaultFieldManager;

    /// <summary>Take over fields other managers own instead of failing with a conflict (force=true); default false.</summary>
    public bool Force { get; init; }

    /// <summary>Dry-run each object on the server first and hand its diff to <see cref="Confirm"/> (for -WhatIf and -Confirm); default false.</summary>
    public bool Preview { get; init; }

    /// <summary>The namespace of namespaced objects that name none; an object naming another one is an error (as kubectl -n). Default null: <see cref="DefaultNamespace"/>.</summary>
    public string? Namespace { get; init; }

    /// <summary>Without <see cref="Namespace"/>, the namespace of namespaced objects that name none (the kubeconfig context's); default "default".</summary>
    public string DefaultNamespace { get; init; } = "default";

    /// <summary>Asked before each object is applied; null applies every object.</summary>
    public ConfirmChange? Confirm { get; init; }

    /// <summary>The limit of one API request; default 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(FieldManager)) throw new ArgumentException("The field manager must not be empty.", nameof(FieldManager));
        if (string.IsNullOrWhiteSpace(DefaultNamespace)) throw new ArgumentException("The default namespace must not be empty.", nameof(DefaultNamespace));
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "The request timeout must be above 0.");
    }
}
