using System.Globalization;
using k8s;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// A Deployment's revisions as `kubectl rollout history` lists them (its ReplicaSets, by
/// deployment.kubernetes.io/revision, with the change-cause and images), each joined with the
/// module's newest record of a run that ended on that revision, when one exists. A revision that
/// came back (an undo) keeps its earlier numbers in revision-history, and a record of those matches too.
/// </summary>
public sealed class DeploymentHistory(IKubernetes client, DeploymentRecordStore? records, TimeProvider? time = null)
{
    private const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";

    /// <summary>How many of the deployment's records are read to join; more than the ReplicaSets a Deployment keeps (revisionHistoryLimit, 10 by default).</summary>
    private const int RecordsRead = 200;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>A history on the client of <paramref name="target"/>; a kubeconfig that cannot be used is a KubernetesConfigurationException.</summary>
    public DeploymentHistory(KubernetesClients clients, KubernetesTarget target, DeploymentRecordStore? records, TimeProvider? time = null)
        : this((clients ?? throw new ArgumentNullException(nameof(clients))).Get(target), records, time)
    {
    }

    /// <summary>The revisions, oldest first.</summary>
    /// <param name="context">The kubeconfig context the records were made through; null joins records of every context.</param>
    public async Task<IReadOnlyList<DeploymentRevision>> ReadAsync(string name, string ns, string? context, CancellationToken cancellationToken)
    {
        var deployment = await DeploymentObjects.ReadAsync(client, name, ns, cancellationToken).ConfigureAwait(false);
        var replicaSets = await DeploymentObjects.ReplicaSetsAsync(client, deployment, cancellationToken).ConfigureAwait(false);
        var current = RolloutRules.Revision(deployment.Metadata);
        var known = new List<DeploymentRecord>();
        if (records is not null)
        {
            await foreach (var record in records.ListAsync(name, ns, context, RecordsRead, cancellationToken).ConfigureAwait(false)) known.Add(record);
        }
        var now = _time.GetUtcNow();
        return [.. replicaSets
            .Select(rs => (Revision: RolloutRules.Revision(rs.Metadata), ReplicaSet: rs))
            .Where(r => r.Revision > 0)
            .OrderBy(r => r.Revision)
            .Select(r =>
            {
                var revisions = EarlierRevisions(r.ReplicaSet.Metadata.Annotations).Append(r.Revision).ToHashSet();
                string? changeCause = null;
                r.ReplicaSet.Metadata.Annotations?.TryGetValue(DeploymentObjects.ChangeCauseAnnotation, out changeCause);
                return new DeploymentRevision
                {
                    Name = name,
                    Namespace = ns,
                    Revision = r.Revision,
                    Current = r.Revision == current,
                    ReplicaSet = r.ReplicaSet.Metadata.Name,
                    ChangeCause = changeCause,
                    Images = DeploymentObjects.Images(r.ReplicaSet.Spec.Template),
                    Replicas = r.ReplicaSet.Spec.Replicas ?? 0,
                    ReadyReplicas = r.ReplicaSet.Status?.ReadyReplicas ?? 0,
                    Created = r.ReplicaSet.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
                    // Records come newest first: the first that ended on one of this ReplicaSet's numbers made it (last).
                    Record = known.FirstOrDefault(k => k.RevisionAfter is { } after && revisions.Contains(after)),
                    Timestamp = now,
                };
            })];
    }

    private static IEnumerable<long> EarlierRevisions(IDictionary<string, string>? annotations) =>
        annotations?.TryGetValue(RevisionHistoryAnnotation, out var history) == true
            ? history.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).Where(n => n > 0)
            : [];
}
