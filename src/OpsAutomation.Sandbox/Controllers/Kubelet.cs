using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// The simulated node: it schedules every new pod onto itself (spec.nodeName), shows its containers
/// ContainerCreating, and after <see cref="StartDelay"/> (sandbox time) runs them: phase Running,
/// a pod IP, containers ready and started, the Initialized, ContainersReady, Ready and PodScheduled
/// conditions, and a first log line. Readiness probes, restarts, crash loops and image pulls from the
/// local registry are the next steps (docs/sandbox.md).
/// </summary>
public sealed class Kubelet(ObjectWriter writer, TimeProvider time, PodLogBook logs, TimeSpan startDelay) : Controller(writer, time, "kubelet")
{
    public const string NodeName = "sandbox-node";

    private readonly EventRecorder _events = new(writer, time);
    private int _nextIp = 1;

    public TimeSpan StartDelay => startDelay;

    private ResourceType Pods => Store.Registry.Get<V1Pod>();

    protected override IEnumerable<ResourceType> Watched => [Pods];

    protected override IEnumerable<ObjectKey> KeysFor(StoreEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.Type == "DELETED" ? [] : [new ObjectKey(change.Stored.Namespace, change.Stored.Name)];
    }

    protected override TimeSpan? Reconcile(ObjectKey key)
    {
        if (Store.Get(Pods, key.Namespace, key.Name) is not { } pod || !Objects.IsActive(pod.Node))
        {
            return null;
        }
        var now = Time.GetUtcNow();
        if (pod.Node["spec"]?["nodeName"] is null)
        {
            var scheduled = pod.Clone();
            scheduled["spec"]!["nodeName"] = NodeName;
            Writer.Replace(pod, scheduled, "default-scheduler");
            pod = Store.Get(Pods, key.Namespace, key.Name)!;
            _events.Record(pod, "default-scheduler", "Scheduled", $"Successfully assigned {pod.Namespace}/{pod.Name} to {NodeName}");
            var status = pod.Clone();
            status["status"] = new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = new JsonArray(Condition("PodScheduled", now)),
                ["hostIP"] = "127.0.0.1",
                ["qosClass"] = pod.Node["status"]?["qosClass"]?.DeepClone() ?? "BestEffort",
                ["containerStatuses"] = new JsonArray([.. Containers(pod).Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c["name"]?.DeepClone(),
                    ["image"] = c["image"]?.DeepClone(),
                    ["imageID"] = "",
                    ["ready"] = false,
                    ["started"] = false,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } },
                })]),
            };
            Writer.Replace(pod, status, Name, "status");
            return startDelay;
        }
        if (Objects.Phase(pod.Node) != "Pending")
        {
            return null;
        }
        var scheduledAt = Objects.Created(pod.Node);
        if (now < scheduledAt + startDelay)
        {
            return scheduledAt + startDelay - now;
        }
        var running = pod.Clone();
        var started = ObjectStore.Timestamp(now);
        running["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(Condition("Initialized", now), Condition("Ready", now), Condition("ContainersReady", now), Condition("PodScheduled", now)),
            ["hostIP"] = "127.0.0.1",
            ["podIP"] = NextIp(),
            ["startTime"] = started,
            ["qosClass"] = pod.Node["status"]?["qosClass"]?.DeepClone() ?? "BestEffort",
            ["containerStatuses"] = new JsonArray([.. Containers(pod).Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c["name"]?.DeepClone(),
                ["image"] = c["image"]?.DeepClone(),
                ["imageID"] = c["image"]?.DeepClone(),
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } },
            })]),
        };
        running["status"]!["podIPs"] = new JsonArray(new JsonObject { ["ip"] = running["status"]!["podIP"]!.DeepClone() });
        Writer.Replace(pod, running, Name, "status");
        foreach (var container in Containers(pod))
        {
            var name = container["name"]!.GetValue<string>();
            var fieldPath = $"spec.containers{{{name}}}";
            _events.Record(pod, Name, "Pulled", $"Container image \"{container["image"]}\" already present on machine", fieldPath: fieldPath);
            _events.Record(pod, Name, "Created", $"Created container: {name}", fieldPath: fieldPath);
            _events.Record(pod, Name, "Started", $"Started container {name}", fieldPath: fieldPath);
            logs.Append(pod.Namespace, pod.Name, name, $"{started} sandbox: container started (image {container["image"]})");
        }
        return null;
    }

    private static IEnumerable<JsonObject> Containers(StoredObject pod) =>
        (pod.Node["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>();

    private static JsonObject Condition(string type, DateTimeOffset now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = ObjectStore.Timestamp(now),
    };

    private string NextIp()
    {
        var n = Interlocked.Increment(ref _nextIp);
        return $"10.244.{n / 250}.{(n % 250) + 1}";
    }
}
