using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// The Deployment controller, after kubernetes' pkg/controller/deployment: one ReplicaSet per pod
/// template, named &lt;deployment&gt;-&lt;pod-template-hash&gt; and carrying the revision annotation
/// (a template seen before takes its old ReplicaSet back at the next revision, which is how a
/// rollback works); RollingUpdate by maxSurge (rounded up) and maxUnavailable (rounded down) or
/// Recreate; paused; revisionHistoryLimit; status with the Available and Progressing conditions
/// (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
/// ProgressDeadlineExceeded, DeploymentPaused) and ScalingReplicaSet events.
/// </summary>
public sealed class DeploymentController(ObjectWriter writer, TimeProvider time) : Controller(writer, time, "deployment-controller")
{
    private readonly EventRecorder _events = new(writer, time);

    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    public const string HashLabel = "pod-template-hash";

    private ResourceType Deployments => Store.Registry.Get<V1Deployment>();

    private ResourceType ReplicaSets => Store.Registry.Get<V1ReplicaSet>();

    protected override IEnumerable<ResourceType> Watched => [Deployments, ReplicaSets];

    protected override IEnumerable<ObjectKey> KeysFor(StoreEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var stored = change.Stored;
        if (stored.Type == Deployments)
        {
            return [new ObjectKey(stored.Namespace, stored.Name)];
        }
        return Objects.ControllerOf(stored.Node) is { } owner && owner["kind"]?.GetValue<string>() == "Deployment"
            ? [new ObjectKey(stored.Namespace, owner["name"]!.GetValue<string>())]
            : [];
    }

    protected override TimeSpan? Reconcile(ObjectKey key)
    {
        if (Store.Get(Deployments, key.Namespace, key.Name) is not { } deployment || deployment.Node["metadata"]?["deletionTimestamp"] is not null)
        {
            return null;
        }
        var spec = deployment.Node["spec"]!;
        var replicas = Objects.Number(spec["replicas"], 1);
        var paused = spec["paused"]?.GetValue<bool>() == true;
        var owned = Owned(deployment);
        var (newRs, created) = paused ? (FindNew(deployment, owned), false) : EnsureNew(deployment, owned);
        owned = Owned(deployment);
        newRs = newRs is null ? null : owned.FirstOrDefault(r => r.Uid == newRs.Uid);
        var old = owned.Where(r => r.Uid != newRs?.Uid).ToList();

        if (!paused)
        {
            if (spec["strategy"]?["type"]?.GetValue<string>() == "Recreate")
            {
                Recreate(deployment, newRs, old, replicas);
            }
            else if (newRs is not null)
            {
                RollingUpdate(deployment, newRs, old, replicas);
            }
        }
        else
        {
            // Paused: only scaling follows spec.replicas, the template does not roll out.
            if (newRs is not null && Replicas(newRs) != replicas && old.All(r => Replicas(r) == 0))
            {
                Scale(deployment, newRs, replicas);
            }
        }
        owned = Owned(deployment);
        newRs = newRs is null ? null : owned.FirstOrDefault(r => r.Uid == newRs.Uid);
        CleanUp(deployment, owned, newRs);
        return WriteStatus(deployment, owned, newRs, created, paused);
    }

    private List<StoredObject> Owned(StoredObject deployment) =>
        [.. Store.List(ReplicaSets, deployment.Namespace).Items.Where(r => Objects.ControllerOf(r.Node)?["uid"]?.GetValue<string>() == deployment.Uid)];

    private static StoredObject? FindNew(StoredObject deployment, List<StoredObject> owned) =>
        owned.Where(r => SameTemplate(r.Node["spec"]?["template"], deployment.Node["spec"]?["template"])).OrderBy(r => Objects.Created(r.Node)).FirstOrDefault();

    /// <summary>Two pod templates are the same rollout when they differ at most in the pod-template-hash label.</summary>
    private static bool SameTemplate(JsonNode? a, JsonNode? b)
    {
        static JsonNode? WithoutHash(JsonNode? template)
        {
            var copy = template?.DeepClone();
            (copy?["metadata"]?["labels"] as JsonObject)?.Remove(HashLabel);
            return copy;
        }
        return JsonNode.DeepEquals(WithoutHash(a), WithoutHash(b));
    }

    /// <summary>The ReplicaSet of the current template, made or given the next revision; and whether it was made now.</summary>
    private (StoredObject? NewRs, bool Created) EnsureNew(StoredObject deployment, List<StoredObject> owned)
    {
        var maxOld = owned.Select(Revision).DefaultIfEmpty(0).Max();
        var existing = FindNew(deployment, owned);
        if (existing is not null)
        {
            var revision = Revision(existing);
            if (revision < maxOld || (revision == 0 && maxOld == 0))
            {
                // An old template back again (a rollback): its ReplicaSet takes the next revision.
                var bumped = existing.Clone();
                var annotations = Annotations(bumped);
                var history = annotations[RevisionHistoryAnnotation]?.GetValue<string>();
                if (revision > 0)
                {
                    annotations[RevisionHistoryAnnotation] = string.IsNullOrEmpty(history) ? $"{revision}" : $"{history},{revision}";
                }
                annotations[RevisionAnnotation] = (maxOld + 1).ToString(CultureInfo.InvariantCulture);
                Writer.Replace(existing, bumped, Name);
                existing = Store.Get(ReplicaSets, existing.Namespace, existing.Name)!;
            }
            SetDeploymentRevision(deployment, Revision(existing));
            return (existing, false);
        }
        var template = deployment.Node["spec"]!["template"]!.DeepClone().AsObject();
        var collisions = Objects.Number(deployment.Node["status"]?["collisionCount"]);
        var hash = TemplateHash(template, collisions);
        var templateMetadata = template["metadata"] as JsonObject ?? [];
        template["metadata"] = templateMetadata;
        var labels = templateMetadata["labels"] as JsonObject ?? [];
        templateMetadata["labels"] = labels;
        labels[HashLabel] = hash;
        var selector = deployment.Node["spec"]!["selector"]!.DeepClone().AsObject();
        var matchLabels = selector["matchLabels"] as JsonObject ?? [];
        selector["matchLabels"] = matchLabels;
        matchLabels[HashLabel] = hash;
        var replicas = Objects.Number(deployment.Node["spec"]!["replicas"], 1);
        var rs = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{deployment.Name}-{hash}",
                ["namespace"] = deployment.Namespace,
                ["labels"] = labels.DeepClone(),
                ["annotations"] = new JsonObject
                {
                    [RevisionAnnotation] = (maxOld + 1).ToString(CultureInfo.InvariantCulture),
                    [DesiredReplicasAnnotation] = replicas.ToString(CultureInfo.InvariantCulture),
                    [MaxReplicasAnnotation] = (replicas + MaxSurge(deployment.Node, replicas)).ToString(CultureInfo.InvariantCulture),
                },
                ["ownerReferences"] = new JsonArray(Objects.ControllerReference(deployment)),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 0,
                ["minReadySeconds"] = deployment.Node["spec"]?["minReadySeconds"]?.DeepClone() ?? 0,
                ["selector"] = selector,
                ["template"] = template,
            },
        };
        var changeCause = deployment.Node["metadata"]?["annotations"]?["kubernetes.io/change-cause"];
        if (changeCause is not null)
        {
            rs["metadata"]!["annotations"]!["kubernetes.io/change-cause"] = changeCause.DeepClone();
        }
        Writer.Create(ReplicaSets, rs, Name);
        var created = Store.Get(ReplicaSets, deployment.Namespace, $"{deployment.Name}-{hash}")!;
        SetDeploymentRevision(deployment, maxOld + 1);
        return (created, true);
    }

    private void SetDeploymentRevision(StoredObject deployment, int revision)
    {
        var current = Store.Get(Deployments, deployment.Namespace, deployment.Name)!;
        var text = revision.ToString(CultureInfo.InvariantCulture);
        if (current.Node["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>() == text)
        {
            return;
        }
        var updated = current.Clone();
        Annotations(updated)[RevisionAnnotation] = text;
        Writer.Replace(current, updated, Name);
    }

    /// <summary>rolling.go: scale the new ReplicaSet up within maxSurge, then old ones down within maxUnavailable.</summary>
    private void RollingUpdate(StoredObject deployment, StoredObject newRs, List<StoredObject> old, int replicas)
    {
        var maxSurge = MaxSurge(deployment.Node, replicas);
        var maxUnavailable = MaxUnavailable(deployment.Node, replicas);
        var all = old.Append(newRs).ToList();
        var newReplicas = Replicas(newRs);
        if (newReplicas > replicas)
        {
            Scale(deployment, newRs, replicas);
        }
        else if (newReplicas < replicas)
        {
            var current = all.Sum(Replicas);
            var room = replicas + maxSurge - current;
            if (room > 0)
            {
                Scale(deployment, newRs, newReplicas + Math.Min(room, replicas - newReplicas));
            }
        }

        newRs = Store.Get(ReplicaSets, newRs.Namespace, newRs.Name)!;
        var oldCount = old.Sum(Replicas);
        if (oldCount == 0)
        {
            return;
        }
        var allCount = old.Sum(Replicas) + Replicas(newRs);
        var minAvailable = replicas - maxUnavailable;
        var newUnavailable = Replicas(newRs) - Available(newRs);
        var maxScaledDown = allCount - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return;
        }
        // First the old replicas that are not available anyway, then available ones down to minAvailable.
        var cleaned = 0;
        foreach (var rs in old.OrderBy(r => Objects.Created(r.Node)))
        {
            if (cleaned >= maxScaledDown)
            {
                break;
            }
            var unhealthy = Replicas(rs) - Available(rs);
            if (unhealthy <= 0)
            {
                continue;
            }
            var down = Math.Min(unhealthy, maxScaledDown - cleaned);
            Scale(deployment, rs, Replicas(rs) - down);
            cleaned += down;
        }
        old = [.. old.Select(r => Store.Get(ReplicaSets, r.Namespace, r.Name)).OfType<StoredObject>()];
        var availableCount = old.Sum(Available) + Available(newRs);
        if (availableCount <= minAvailable)
        {
            return;
        }
        var total = Math.Min(availableCount - minAvailable, maxScaledDown - cleaned);
        foreach (var rs in old.OrderBy(r => Objects.Created(r.Node)))
        {
            if (total <= 0)
            {
                break;
            }
            var down = Math.Min(Replicas(rs), total);
            if (down > 0)
            {
                Scale(deployment, rs, Replicas(rs) - down);
                total -= down;
            }
        }
    }

    /// <summary>recreate.go: every old pod goes first; the new ReplicaSet scales up once none is left.</summary>
    private void Recreate(StoredObject deployment, StoredObject? newRs, List<StoredObject> old, int replicas)
    {
        foreach (var rs in old.Where(r => Replicas(r) > 0))
        {
            Scale(deployment, rs, 0);
        }
        var oldPodsLeft = old.Sum(r => Objects.Number(Store.Get(ReplicaSets, r.Namespace, r.Name)?.Node["status"]?["replicas"]));
        if (oldPodsLeft == 0 && newRs is not null && Replicas(newRs) != replicas)
        {
            Scale(deployment, newRs, replicas);
        }
    }

    private void Scale(StoredObject deployment, StoredObject rs, int to)
    {
        var current = Store.Get(ReplicaSets, rs.Namespace, rs.Name)!;
        var from = Replicas(current);
        var replicas = Objects.Number(deployment.Node["spec"]?["replicas"], 1);
        var scaled = current.Clone();
        scaled["spec"]!["replicas"] = to;
        var annotations = Annotations(scaled);
        annotations[DesiredReplicasAnnotation] = replicas.ToString(CultureInfo.InvariantCulture);
        annotations[MaxReplicasAnnotation] = (replicas + MaxSurge(deployment.Node, replicas)).ToString(CultureInfo.InvariantCulture);
        Writer.Replace(current, scaled, Name);
        if (from != to)
        {
            _events.Record(deployment, Name, "ScalingReplicaSet", $"Scaled {(to > from ? "up" : "down")} replica set {rs.Name} to {to} from {from}");
        }
    }

    /// <summary>Old ReplicaSets with no replicas beyond revisionHistoryLimit go, oldest first.</summary>
    private void CleanUp(StoredObject deployment, List<StoredObject> owned, StoredObject? newRs)
    {
        var limit = Objects.Number(deployment.Node["spec"]?["revisionHistoryLimit"], 10);
        var idle = owned.Where(r => r.Uid != newRs?.Uid && Replicas(r) == 0 && Objects.Number(r.Node["status"]?["replicas"]) == 0)
            .OrderBy(Revision).ToList();
        foreach (var rs in idle.Take(Math.Max(0, idle.Count - limit)))
        {
            Writer.Collector.Delete(rs, "Background", dryRun: false);
        }
    }

    private TimeSpan? WriteStatus(StoredObject deployment, List<StoredObject> owned, StoredObject? newRs, bool created, bool paused)
    {
        var current = Store.Get(Deployments, deployment.Namespace, deployment.Name)!;
        var node = current.Node;
        var replicas = Objects.Number(node["spec"]?["replicas"], 1);
        var previous = node["status"] as JsonObject;
        var now = Time.GetUtcNow();
        var status = new JsonObject
        {
            ["observedGeneration"] = Objects.Number(node["metadata"]?["generation"], 1),
            ["replicas"] = owned.Sum(r => Objects.Number(r.Node["status"]?["replicas"])),
            ["updatedReplicas"] = newRs is null ? 0 : Objects.Number(newRs.Node["status"]?["replicas"]),
            ["readyReplicas"] = owned.Sum(r => Objects.Number(r.Node["status"]?["readyReplicas"])),
            ["availableReplicas"] = owned.Sum(Available),
        };
        var available = Objects.Number(status["availableReplicas"]);
        status["unavailableReplicas"] = Math.Max(replicas - available, 0);
        if (previous?["collisionCount"] is { } collisions)
        {
            status["collisionCount"] = collisions.DeepClone();
        }
        var conditions = (previous?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Select(c => (JsonObject)c.DeepClone()).ToList();
        var minAvailable = replicas - MaxUnavailable(node, replicas);
        SetCondition(conditions, "Available", available >= minAvailable ? "True" : "False",
            available >= minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            available >= minAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now, touch: false);

        TimeSpan? again = null;
        var progressing = conditions.FirstOrDefault(c => c["type"]?.GetValue<string>() == "Progressing");
        var complete = newRs is not null && Objects.Number(status["updatedReplicas"]) == replicas && Objects.Number(status["replicas"]) == replicas
            && available == replicas && Objects.Number(newRs.Node["status"]?["availableReplicas"]) == replicas;
        var deadline = node["spec"]?["progressDeadlineSeconds"] is { } seconds ? TimeSpan.FromSeconds(Objects.Number(seconds)) : (TimeSpan?)null;
        if (paused)
        {
            SetCondition(conditions, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now, touch: true);
        }
        else if (progressing?["reason"]?.GetValue<string>() == "DeploymentPaused")
        {
            SetCondition(conditions, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", now, touch: true);
            again = TimeSpan.Zero;
        }
        else if (complete && newRs is not null)
        {
            SetCondition(conditions, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{newRs.Name}\" has successfully progressed.", now, touch: true);
        }
        else if (newRs is not null && created)
        {
            SetCondition(conditions, "Progressing", "True", "NewReplicaSetCreated", $"Created new replica set \"{newRs.Name}\"", now, touch: true);
            again = deadline;
        }
        else if (newRs is not null && progressing is null)
        {
            SetCondition(conditions, "Progressing", "True", "FoundNewReplicaSet", $"Found new replica set \"{newRs.Name}\"", now, touch: true);
            again = deadline;
        }
        else if (newRs is not null && Progressed(previous, status))
        {
            SetCondition(conditions, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{newRs.Name}\" is progressing.", now, touch: true);
            again = deadline;
        }
        else if (newRs is not null && deadline is { } limit && progressing?["reason"]?.GetValue<string>() is not ("NewReplicaSetAvailable" or "ProgressDeadlineExceeded"))
        {
            var since = DateTimeOffset.Parse(progressing!["lastUpdateTime"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            if (now - since >= limit)
            {
                SetCondition(conditions, "Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{newRs.Name}\" has timed out progressing.", now, touch: true);
            }
            else
            {
                again = since + limit - now;
            }
        }
        status["conditions"] = new JsonArray([.. conditions]);
        if (!JsonNode.DeepEquals(previous, status))
        {
            var updated = current.Clone();
            updated["status"] = status;
            Writer.Replace(current, updated, Name, "status");
        }
        return again;
    }

    /// <summary>Whether the rollout moved since the last status: more updated, ready or available replicas, or fewer old ones.</summary>
    private static bool Progressed(JsonObject? before, JsonObject after)
    {
        int Read(JsonNode? status, string field) => Objects.Number(status?[field]);
        return Read(after, "updatedReplicas") > Read(before, "updatedReplicas")
            || Read(after, "readyReplicas") > Read(before, "readyReplicas")
            || Read(after, "availableReplicas") > Read(before, "availableReplicas")
            || Read(after, "replicas") - Read(after, "updatedReplicas") < Read(before, "replicas") - Read(before, "updatedReplicas");
    }

    /// <summary>Sets a condition; lastTransitionTime moves only when its status changes, lastUpdateTime when <paramref name="touch"/> and anything changed.</summary>
    private static void SetCondition(List<JsonObject> conditions, string type, string status, string reason, string message, DateTimeOffset now, bool touch)
    {
        var stamp = ObjectStore.Timestamp(now);
        var existing = conditions.FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        if (existing is not null && existing["status"]?.GetValue<string>() == status && existing["reason"]?.GetValue<string>() == reason
            && existing["message"]?.GetValue<string>() == message)
        {
            return;
        }
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = touch || existing is null ? stamp : existing["lastUpdateTime"]?.DeepClone(),
            ["lastTransitionTime"] = existing is not null && existing["status"]?.GetValue<string>() == status ? existing["lastTransitionTime"]?.DeepClone() : stamp,
            ["reason"] = reason,
            ["message"] = message,
        };
        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
    }

    private static int Replicas(StoredObject rs) => Objects.Number(rs.Node["spec"]?["replicas"], 1);

    private static int Available(StoredObject rs) => Objects.Number(rs.Node["status"]?["availableReplicas"]);

    private static int Revision(StoredObject rs) =>
        int.TryParse(rs.Node["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;

    private static JsonObject Annotations(JsonObject obj)
    {
        var metadata = obj["metadata"]!.AsObject();
        if (metadata["annotations"] is not JsonObject annotations)
        {
            annotations = [];
            metadata["annotations"] = annotations;
        }
        return annotations;
    }

    /// <summary>maxSurge resolved against replicas, a percentage rounded up (intstr.GetScaledValueFromIntOrPercent).</summary>
    public static int MaxSurge(JsonNode deployment, int replicas) => ResolveFenceposts(deployment, replicas).Surge;

    /// <summary>maxUnavailable resolved against replicas, a percentage rounded down; 1 when both would be 0.</summary>
    public static int MaxUnavailable(JsonNode deployment, int replicas) => ResolveFenceposts(deployment, replicas).Unavailable;

    private static (int Surge, int Unavailable) ResolveFenceposts(JsonNode deployment, int replicas)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (deployment["spec"]?["strategy"]?["type"]?.GetValue<string>() == "Recreate")
        {
            return (0, replicas);
        }
        var rolling = deployment["spec"]?["strategy"]?["rollingUpdate"];
        var surge = Scaled(rolling?["maxSurge"] ?? "25%", replicas, roundUp: true);
        var unavailable = Scaled(rolling?["maxUnavailable"] ?? "25%", replicas, roundUp: false);
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }
        return (surge, Math.Min(unavailable, replicas));
    }

    public static int Scaled(JsonNode value, int total, bool roundUp)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.ToString();
        if (!text.EndsWith('%'))
        {
            return int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        var percent = int.Parse(text[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture);
        var exact = percent * total / 100.0;
        return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
    }

    /// <summary>The pod-template-hash: FNV-32a of the template (and the collision count), written with the API's safe alphabet.</summary>
    public static string TemplateHash(JsonNode template, int collisionCount)
    {
        ArgumentNullException.ThrowIfNull(template);
        const uint offset = 2166136261;
        const uint prime = 16777619;
        var hash = offset;
        foreach (var b in Encoding.UTF8.GetBytes(template.ToJsonString() + (collisionCount > 0 ? collisionCount.ToString(CultureInfo.InvariantCulture) : "")))
        {
            hash ^= b;
            hash *= prime;
        }
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Concat(hash.ToString(CultureInfo.InvariantCulture).Select(c => alphabet[c % alphabet.Length]));
    }
}
