using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>What to undo and whether to wait for it (Undo-Deployment, and the deployment flow's automatic rollback).</summary>
public sealed record DeploymentUndoOptions
{
    /// <summary>The Deployment's name. Required.</summary>
    public required string Name { get; init; }

    /// <summary>The Deployment's namespace. Required.</summary>
    public required string Namespace { get; init; }

    /// <summary>The revision to go back to; 0 (the default) is the one before the current, as kubectl's --to-revision=0.</summary>
    public long ToRevision { get; init; }

    /// <summary>
    /// Asked before the Deployment is patched, with the target ("deployment shop/web") and the action
    /// ("roll back from revision 3 to revision 2 (web=registry/web:1)"); false leaves it unchanged. Null: always yes.
    /// </summary>
    public Func<string, string, Task<bool>>? Confirm { get; init; }

    /// <summary>When set, the rollout after the undo is waited for with these options (their Name and Namespace are the undo's).</summary>
    public RolloutWaitOptions? Wait { get; init; }

    /// <summary>When set, the undo is recorded there (strategy Undo, who, the revisions, how it ended), so the history shows it.</summary>
    public DeploymentRecordStore? Records { get; init; }

    /// <summary>The kubeconfig context the undo goes through, for its record; null for the current context.</summary>
    public string? Context { get; init; }
}

/// <summary>
/// `kubectl rollout undo` for a Deployment (kubectl's rollback.go): find the ReplicaSet of the target
/// revision among those the Deployment controls (the previous revision by default), and unless its
/// template is already the Deployment's, replace the Deployment's template with it (without the
/// pod-template-hash label) and its annotations with the ReplicaSet's, keeping the Deployment's own
/// bookkeeping ones, in one JSON patch. The controller then rolls that template out as a new revision.
/// </summary>
public sealed class DeploymentUndo(IKubernetes client, TimeProvider? time = null)
{
    /// <summary>The field manager of the template an undo restores (kubectl's is kubectl-rollout); the next deployment takes those fields back.</summary>
    public const string FieldManager = "opsautomation-rollback";

    /// <summary>The annotations kubectl neither copies from the ReplicaSet nor drops from the Deployment.</summary>
    private static readonly HashSet<string> AnnotationsToSkip = new(
    [
        "kubectl.kubernetes.io/last-applied-configuration",
        RolloutRules.RevisionAnnotation,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    ], StringComparer.Ordinal);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>An undo on the client of <paramref name="target"/>; a kubeconfig that cannot be used is a KubernetesConfigurationException.</summary>
    public DeploymentUndo(KubernetesClients clients, KubernetesTarget target, TimeProvider? time = null)
        : this((clients ?? throw new ArgumentNullException(nameof(clients))).Get(target), time)
    {
    }

    /// <exception cref="DeploymentUndoException">The revision does not exist, there is no previous one, or the Deployment is paused.</exception>
    /// <exception cref="DeploymentApiException">The Deployment is missing, or the API server refused or cannot be reached.</exception>
    /// <exception cref="RolloutCancelledException">Cancelled while waiting for the rollout after the undo.</exception>
    public async Task<DeploymentUndoResult> UndoAsync(DeploymentUndoOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ToRevision < 0) throw new DeploymentUndoException(DeploymentUndoProblem.RevisionNotFound, $"unable to find specified revision {options.ToRevision} in history", options.Name, options.Namespace);
        var subject = $"deployment {options.Namespace}/{options.Name}";
        var deployment = await DeploymentObjects.ReadAsync(client, options.Name, options.Namespace, cancellationToken).ConfigureAwait(false);
        var current = RolloutRules.Revision(deployment.Metadata);
        var target = FindRevision(deployment, await DeploymentObjects.ReplicaSetsAsync(client, deployment, cancellationToken).ConfigureAwait(false), options.ToRevision);
        var targetRevision = RolloutRules.Revision(target.Metadata);
        var images = DeploymentObjects.Images(target.Spec.Template);
        DeploymentUndoResult Result(DeploymentUndoOutcome outcome, string message) => new()
        {
            Name = options.Name, Namespace = options.Namespace, Outcome = outcome, FromRevision = current, ToRevision = targetRevision,
            Message = message, Images = images, Timestamp = _time.GetUtcNow(),
        };

        if (deployment.Spec.Paused == true)
            throw new DeploymentUndoException(DeploymentUndoProblem.Paused, $"you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again ({subject})", options.Name, options.Namespace);
        if (DeploymentObjects.EqualIgnoringHash(target.Spec.Template, deployment.Spec.Template))
            return Result(DeploymentUndoOutcome.Skipped, $"skipped rollback (current template already matches revision {targetRevision})");

        var containers = string.Join(", ", (target.Spec.Template.Spec?.Containers ?? []).Select(c => $"{c.Name}={c.Image}"));
        if (options.Confirm is { } confirm && !await confirm(subject, $"roll back from revision {current} to revision {targetRevision} ({containers})").ConfigureAwait(false))
            return Result(DeploymentUndoOutcome.NotConfirmed, $"not rolled back: revision {current} stays");

        var patch = new JsonArray(
            new JsonObject { ["op"] = "replace", ["path"] = "/spec/template", ["value"] = DeploymentObjects.WithoutHash(target.Spec.Template) },
            new JsonObject { ["op"] = "replace", ["path"] = "/metadata/annotations", ["value"] = Annotations(deployment, target) });
        var record = options.Records is { } records
            ? await records.StartAsync(new DeploymentRecord
            {
                Id = Guid.NewGuid().ToString(), Name = options.Name, Namespace = options.Namespace, Context = options.Context, Strategy = "Undo",
                Image = images.Count > 0 ? images[0] : null, User = DeploymentRecordStore.CurrentUser(), StartedAt = _time.GetUtcNow(), RevisionBefore = current,
            }, cancellationToken).ConfigureAwait(false)
            : null;
        try
        {
            await DeploymentObjects.CallAsync($"restore revision {targetRevision} of {subject}", () => client.AppsV1.PatchNamespacedDeploymentAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch), options.Name, options.Namespace, fieldManager: FieldManager,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            var result = Result(DeploymentUndoOutcome.RolledBack, "rolled back");
            if (options.Wait is not { } wait)
            {
                await FinishAsync(options, record, DeploymentOutcome.Succeeded, null, null).ConfigureAwait(false);
                return result;
            }
            var rollout = await new RolloutWatcher(client, _time).WaitAsync(wait with { Name = options.Name, Namespace = options.Namespace, Revision = 0 }, cancellationToken)
                .ConfigureAwait(false);
            // The record keeps the rollout's replica counts, for reports to chart as they do a deployment's.
            if (record is not null)
                await options.Records!.UpdateAsync(record with { DetailsJson = DeploymentDetails.Of([rollout]).ToJson() }, CancellationToken.None).ConfigureAwait(false);
            await FinishAsync(options, record, rollout.Succeeded ? DeploymentOutcome.Succeeded : DeploymentOutcome.Failed, rollout.Succeeded ? null : rollout.Message,
                rollout.Revision).ConfigureAwait(false);
            return result with { Rollout = rollout, Timestamp = _time.GetUtcNow() };
        }
        catch (Exception ex) when (record is not null && ex is DeploymentApiException or RolloutCancelledException)
        {
            await FinishAsync(options, record, DeploymentOutcome.Failed, ex.Message, null).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Ends the undo's record; written even after a cancellation, so no undo is left looking unfinished.</summary>
    private static async Task FinishAsync(DeploymentUndoOptions options, DeploymentRecord? record, DeploymentOutcome outcome, string? reason, long? revisionAfter)
    {
        if (record is null) return;
        await options.Records!.FinishAsync(record.Id, outcome, reason, revisionAfter, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>kubectl's deploymentRevision: the ReplicaSet of <paramref name="toRevision"/>, or for 0 the second newest revision.</summary>
    private static V1ReplicaSet FindRevision(V1Deployment deployment, IReadOnlyList<V1ReplicaSet> replicaSets, long toRevision)
    {
        var byRevision = replicaSets.Select(rs => (Revision: RolloutRules.Revision(rs.Metadata), ReplicaSet: rs)).Where(r => r.Revision > 0).ToList();
        if (toRevision > 0)
        {
            return byRevision.FirstOrDefault(r => r.Revision == toRevision).ReplicaSet
                ?? throw new DeploymentUndoException(DeploymentUndoProblem.RevisionNotFound,
                    $"unable to find specified revision {toRevision} in history of deployment {deployment.Metadata.NamespaceProperty}/{deployment.Metadata.Name} (revisions: {Known(byRevision)})",
                    deployment.Metadata.Name, deployment.Metadata.NamespaceProperty);
        }
        return byRevision.OrderByDescending(r => r.Revision).Skip(1).FirstOrDefault().ReplicaSet
            ?? throw new DeploymentUndoException(DeploymentUndoProblem.NoHistory, $"no rollout history found for deployment \"{deployment.Metadata.Name}\" (revisions: {Known(byRevision)})",
                deployment.Metadata.Name, deployment.Metadata.NamespaceProperty);
    }

    private static string Known(IEnumerable<(long Revision, V1ReplicaSet ReplicaSet)> revisions) =>
        revisions.Any() ? string.Join(", ", revisions.Select(r => r.Revision).Order()) : "none";

    /// <summary>The Deployment's bookkeeping annotations, then every other annotation of the ReplicaSet.</summary>
    private static JsonObject Annotations(V1Deployment deployment, V1ReplicaSet target)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in deployment.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (AnnotationsToSkip.Contains(key)) annotations[key] = value;
        }
        foreach (var (key, value) in target.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (!AnnotationsToSkip.Contains(key)) annotations[key] = value;
        }
        return annotations;
    }
}

/// <summary>Why an undo cannot be done.</summary>
public enum DeploymentUndoProblem
{
    /// <summary>The revision asked for is not among the Deployment's ReplicaSets.</summary>
    RevisionNotFound,

    /// <summary>The Deployment has no revision before its current one.</summary>
    NoHistory,

    /// <summary>The Deployment is paused; kubectl refuses to roll it back until it is resumed.</summary>
    Paused,
}

/// <summary>An undo that cannot be done: the revision is not in the history, there is none before the current, or the Deployment is paused.</summary>
public sealed class DeploymentUndoException(DeploymentUndoProblem problem, string message, string name, string ns) : Exception(message)
{
    public DeploymentUndoProblem Problem { get; } = problem;

    public string Name { get; } = name;

    public string Namespace { get; } = ns;
}
