using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>Why the API server did not apply an object, for the cmdlet's ErrorId.</summary>
public enum KubernetesApplyFailure
{
    /// <summary>409: fields of the object are owned by other field managers (apply again with Force to take them).</summary>
    Conflict,

    /// <summary>401: the credentials are missing, expired or refused.</summary>
    Unauthorized,

    /// <summary>403: the credentials may not do this (RBAC), or the namespace is terminating.</summary>
    Forbidden,

    /// <summary>The object's namespace does not exist and the manifests do not create it.</summary>
    NamespaceNotFound,

    /// <summary>The server rejected the object: invalid (422), a field it does not know (400), or another answer.</summary>
    Rejected,

    /// <summary>The API server could not be reached (refused, DNS, TLS).</summary>
    Unreachable,

    /// <summary>The API server did not answer within the request timeout.</summary>
    Timeout,
}

/// <summary>A field another manager owns, as a FieldManagerConflict cause names it.</summary>
/// <param name="Field">The field path as the server prints it: .spec.replicas, .spec.template.spec.containers[name="web"].image.</param>
/// <param name="Manager">The other field manager, as the server names it: "kubectl" or "kubectl-client-side-apply" using apps/v1.</param>
public sealed record FieldConflict(string Field, string Manager);

/// <summary>
/// The API server refused an object, or could not be asked. The message names the object and its
/// manifest, the server's reason, and which objects of the set were applied before it and which were not,
/// so a set is never left half-applied without saying so.
/// </summary>
public sealed class KubernetesApplyException : Exception
{
    public KubernetesApplyException(KubernetesApplyFailure failure, string message, Exception? inner = null,
        IReadOnlyList<FieldConflict>? conflicts = null, int? statusCode = null)
        : base(message, inner)
    {
        Failure = failure;
        Conflicts = conflicts ?? [];
        StatusCode = statusCode;
        Reason = message;
    }

    private KubernetesApplyException(KubernetesApplyException failed, Manifest? target, IReadOnlyList<ManifestApplyResult> applied, IReadOnlyList<Manifest> notApplied)
        : base(Describe(failed.Reason, target, applied, notApplied), failed.InnerException)
    {
        Failure = failed.Failure;
        Conflicts = failed.Conflicts;
        StatusCode = failed.StatusCode;
        Reason = failed.Reason;
        Target = target;
        Applied = applied;
        NotApplied = notApplied;
    }

    public KubernetesApplyFailure Failure { get; }

    /// <summary>The server's reason alone, without the applied and not applied lists.</summary>
    public string Reason { get; }

    /// <summary>The fields and managers of a <see cref="KubernetesApplyFailure.Conflict"/>; empty otherwise.</summary>
    public IReadOnlyList<FieldConflict> Conflicts { get; }

    /// <summary>The HTTP status of the server's answer; null when there was none.</summary>
    public int? StatusCode { get; }

    /// <summary>The object that failed; null when the failure came before any object (discovery, a missing namespace).</summary>
    public Manifest? Target { get; }

    /// <summary>The objects applied before the failure, with their outcomes.</summary>
    public IReadOnlyList<ManifestApplyResult> Applied { get; } = [];

    /// <summary>The objects not applied: the one that failed and every one after it.</summary>
    public IReadOnlyList<Manifest> NotApplied { get; } = [];

    /// <summary>This failure, placed in the run: which object failed, what was applied before it and what was not.</summary>
    internal KubernetesApplyException In(Manifest? target, IReadOnlyList<ManifestApplyResult> applied, IReadOnlyList<Manifest> notApplied) =>
        new(this, target, applied, notApplied);

    private static string Describe(string reason, Manifest? target, IReadOnlyList<ManifestApplyResult> applied, IReadOnlyList<Manifest> notApplied)
    {
        var text = target is null ? reason : $"{target}: {reason}";
        var done = applied.Count == 0
            ? "Nothing was applied"
            : $"Applied before it: {string.Join(", ", applied.Select(r => $"{r.Kind} {(r.Namespace is null ? "" : r.Namespace + "/")}{r.Name} ({r.Outcome}{(r.DryRun ? ", dry run" : "")})"))}";
        var left = notApplied.Count == 0 ? "" : $"; not applied: {string.Join(", ", notApplied.Select(m => $"{m.Kind} {(m.Namespace is null ? "" : m.Namespace + "/")}{m.Name}"))}";
        return $"{text}. {done}{left}.";
    }
}
