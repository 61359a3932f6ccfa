using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// The ReplicaSet controller: keeps as many active pods as spec.replicas, made from the template and
/// owned by the ReplicaSet; adopts orphans its selector matches and releases pods it no longer
/// matches; removes surplus pods not ready first, then the newest; writes status (replicas,
/// fullyLabeledReplicas, readyReplicas, availableReplicas after minReadySeconds, observedGeneration).
/// </summary>
public sealed class ReplicaSetController(ObjectWriter writer, TimeProvider time) : Controller(writer, time, "replicaset-controller")
{
    private readonly EventRecorder _events = new(writer, time);

    private ResourceType ReplicaSets => Store.Registry.Get<V1ReplicaSet>();

    private ResourceType Pods => Store.Registry.Get<V1Pod>();

    protected override IEnumerable<ResourceType> Watched => [ReplicaSets, Pods];

    protected override IEnumerable<ObjectKey> KeysFor(StoreEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var stored = change.Stored;
        if (stored.Type == ReplicaSets)
        {
            return [new ObjectKey(stored.Namespace, stored.Name)];
        }
        if (Objects.ControllerOf(stored.Node) is { } owner)
        {
            return owner["kind"]?.GetValue<string>() == "ReplicaSet" ? [new ObjectKey(stored.Namespace, owner["name"]!.GetValue<string>())] : [];
        }
        // An orphan: any ReplicaSet of its namespace may adopt it.
        return Store.List(ReplicaSets, stored.Namespace).Items.Select(rs => new ObjectKey(rs.Namespace, rs.Name));
    }

    protected override TimeSpan? Reconcile(ObjectKey key)
    {
        if (Store.Get(ReplicaSets, key.Namespace, key.Name) is not { } rs || rs.Node["metadata"]?["deletionTimestamp"] is not null)
        {
            return null;
        }
        var selector = Selectors.Parse(Pods, Objects.SelectorText(rs.Node["spec"]?["selector"]), null);
        var owned = new List<StoredObject>();
        foreach (var pod in Store.List(Pods, key.Namespace).Items)
        {
            var owner = Objects.ControllerOf(pod.Node);
            var ours = owner?["uid"]?.GetValue<string>() == rs.Uid;
            var matches = selector.Matches(pod.Node);
            if (ours && !matches)
            {
                Release(pod, rs);
            }
            else if (owner is null && matches && Objects.IsActive(pod.Node))
            {
                owned.Add(Adopt(pod, rs));
            }
            else if (ours && Objects.IsActive(pod.Node))
            {
                owned.Add(pod);
            }
        }

        var replicas = Objects.Number(rs.Node["spec"]?["replicas"], 1);
        if (owned.Count < replicas)
        {
            for (var i = owned.Count; i < replicas; i++)
            {
                var pod = Writer.Create(Pods, NewPod(rs), Name);
                _events.Record(rs, Name, "SuccessfulCreate", $"Created pod: {pod["metadata"]!["name"]}");
            }
        }
        else if (owned.Count > replicas)
        {
            foreach (var surplus in owned.OrderBy(DeletionRank).Take(owned.Count - replicas).ToList())
            {
                Writer.Collector.Delete(surplus, "Background", dryRun: false);
                _events.Record(rs, Name, "SuccessfulDelete", $"Deleted pod: {surplus.Name}");
                owned.Remove(surplus);
            }
        }
        return WriteStatus(rs);
    }

    /// <summary>Pods to remove first: not yet scheduled, then pending, then not ready, then the newest.</summary>
    private static (int, int, long) DeletionRank(StoredObject pod) =>
        (pod.Node["spec"]?["nodeName"] is null ? 0 : 1,
         Objects.ReadySince(pod.Node) is null ? (Objects.Phase(pod.Node) == "Pending" ? 0 : 1) : 2,
         -Objects.Created(pod.Node).UtcTicks);

    private static JsonObject NewPod(StoredObject rs)
    {
        var template = rs.Node["spec"]?["template"];
        var metadata = new JsonObject
        {
            ["generateName"] = rs.Name + "-",
            ["namespace"] = rs.Namespace,
            ["ownerReferences"] = new JsonArray(Objects.ControllerReference(rs)),
        };
        if (template?["metadata"]?["labels"] is { } labels)
        {
            metadata["labels"] = labels.DeepClone();
        }
        if (template?["metadata"]?["annotations"] is { } annotations)
        {
            metadata["annotations"] = annotations.DeepClone();
        }
        return new JsonObject { ["metadata"] = metadata, ["spec"] = template?["spec"]?.DeepClone() ?? new JsonObject() };
    }

    private StoredObject Adopt(StoredObject pod, StoredObject rs)
    {
        var adopted = pod.Clone();
        var references = adopted["metadata"]!["ownerReferences"] as JsonArray ?? [];
        references.Add(Objects.ControllerReference(rs));
        adopted["metadata"]!["ownerReferences"] = references;
        Writer.Replace(pod, adopted, Name);
        return Store.Get(Pods, pod.Namespace, pod.Name)!;
    }

    private void Release(StoredObject pod, StoredObject rs)
    {
        var released = pod.Clone();
        var remaining = (released["metadata"]!["ownerReferences"] as JsonArray ?? [])
            .Where(r => r?["uid"]?.GetValue<string>() != rs.Uid).Select(r => r!.DeepClone()).ToList();
        if (remaining.Count == 0)
        {
            released["metadata"]!.AsObject().Remove("ownerReferences");
        }
        else
        {
            released["metadata"]!["ownerReferences"] = new JsonArray([.. remaining]);
        }
        Writer.Replace(pod, released, Name);
    }

    /// <summary>Writes the status; returns when to look again for a pod that will become available.</summary>
    private TimeSpan? WriteStatus(StoredObject rs)
    {
        var now = Time.GetUtcNow();
        var minReadySeconds = Objects.Number(rs.Node["spec"]?["minReadySeconds"]);
        var templateLabels = rs.Node["spec"]?["template"]?["metadata"]?["labels"] as JsonObject ?? [];
        var pods = Store.List(Pods, rs.Namespace).Items
            .Where(p => Objects.ControllerOf(p.Node)?["uid"]?.GetValue<string>() == rs.Uid && Objects.IsActive(p.Node)).ToList();
        var ready = pods.Where(p => Objects.ReadySince(p.Node) is not null).ToList();
        var available = ready.Count(p => Objects.IsAvailable(p.Node, minReadySeconds, now));
        var status = new JsonObject
        {
            ["replicas"] = pods.Count,
            ["fullyLabeledReplicas"] = pods.Count(p => templateLabels.All(l => p.Node["metadata"]?["labels"]?[l.Key]?.ToString() == l.Value?.ToString())),
            ["readyReplicas"] = ready.Count,
            ["availableReplicas"] = available,
            ["observedGeneration"] = Objects.Number(rs.Node["metadata"]?["generation"], 1),
        };
        var current = Store.Get(ReplicaSets, rs.Namespace, rs.Name)!;
        if (!JsonNode.DeepEquals(current.Node["status"], status))
        {
            var updated = current.Clone();
            updated["status"] = status;
            Writer.Replace(current, updated, Name, "status");
        }
        if (available < ready.Count)
        {
            // A ready pod becomes available once minReadySeconds have passed.
            var next = ready.Select(p => Objects.ReadySince(p.Node)!.Value + TimeSpan.FromSeconds(minReadySeconds)).Where(t => t > now).DefaultIfEmpty(now).Min();
            return next - now;
        }
        return null;
    }
}
