using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;
using OpsAutomation.Sandbox.Pods;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// The simulated node: it schedules every new pod onto itself (spec.nodeName), shows its containers
/// ContainerCreating, and after <see cref="StartDelay"/> (sandbox time) runs the pod's sample
/// application on a 127.0.0.1 port of its own (<see cref="PortAnnotation"/>): phase Running, pod IP
/// 127.0.0.1, its startup, readiness and liveness probes run against the application (a failed
/// liveness or startup probe kills it), and on an exit lastState.terminated, restartCount and the
/// CrashLoopBackOff back-off.
/// </summary>
public sealed class Kubelet(ObjectWriter writer, TimeProvider time, PodLogBook logs, TimeSpan startDelay, RegistrySettings? registry = null) : Controller(writer, time, "kubelet"), IAsyncDisposable
{
    public const string NodeName = "sandbox-node";

    /// <summary>The pod annotation holding the 127.0.0.1 port its sample application serves on.</summary>
    public const string PortAnnotation = "sandbox.opsautomation/port";

    private readonly EventRecorder _events = new(writer, time);
    private readonly ConcurrentDictionary<ObjectKey, PodRuntime> _runtimes = new();
    // The probes reach 127.0.0.1 directly, as the kubelet reaches a pod, never through a configured proxy.
    private readonly HttpClient _probes = new(new SocketsHttpHandler { UseProxy = false });
    private readonly ConcurrentDictionary<ObjectKey, ImagePull> _pulls = new();

    /// <summary>When a pod worker's sync fails (a failed pull), the kubelet syncs the pod again after this: 10 s (its backOffPeriod, without the jitter).</summary>
    private static readonly TimeSpan PodWorkerBackOff = TimeSpan.FromSeconds(10);

    private ImageRegistry? _registry;

    private ImageRegistry? Registry => registry is null ? null : _registry ??= new ImageRegistry(registry, _probes, Time);

    public TimeSpan StartDelay => startDelay;

    private ResourceType Pods => Store.Registry.Get<V1Pod>();

    protected override IEnumerable<ResourceType> Watched => [Pods];

    protected override IEnumerable<ObjectKey> KeysFor(StoreEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return [new ObjectKey(change.Stored.Namespace, change.Stored.Name)];
    }

    protected override TimeSpan? Reconcile(ObjectKey key)
    {
        var pod = Store.Get(Pods, key.Namespace, key.Name);
        if (_runtimes.TryGetValue(key, out var runtime) && (pod is null || pod.Uid != runtime.Uid || !Objects.IsActive(pod.Node)))
        {
            Stop(key, runtime);
            runtime = null;
        }
        if (_pulls.TryGetValue(key, out var pull) && (pod is null || pod.Uid != pull.Uid))
        {
            _pulls.TryRemove(new KeyValuePair<ObjectKey, ImagePull>(key, pull));
        }
        if (pod is null || !Objects.IsActive(pod.Node))
        {
            return null;
        }
        var now = Time.GetUtcNow();
        if (pod.Node["spec"]?["nodeName"] is null)
        {
            Schedule(pod, now);
            return startDelay;
        }
        if (Objects.Phase(pod.Node) == "Pending")
        {
            var startAt = Objects.Created(pod.Node) + startDelay;
            if (now < startAt)
            {
                return startAt - now;
            }
            if (runtime is null && !PullImage(pod, key, now, out var pullAgain))
            {
                return pullAgain;
            }
            if (runtime is null)
            {
                runtime = new PodRuntime(pod.Uid, Containers(pod).FirstOrDefault(), Time, _probes, line => logs.Append(key.Namespace, key.Name, FirstContainer(pod), line), () => Enqueue(key),
                    happened => Record(key, happened));
                _runtimes[key] = runtime;
                return Run(pod, runtime, now);
            }
        }
        return runtime is null ? null : Sync(pod, runtime, now);
    }

    private void Schedule(StoredObject pod, DateTimeOffset now)
    {
        var scheduled = pod.Clone();
        scheduled["spec"]!["nodeName"] = NodeName;
        Writer.Replace(pod, scheduled, "default-scheduler");
        pod = Store.Get(Pods, pod.Namespace, pod.Name)!;
        _events.Record(pod, "default-scheduler", "Scheduled", $"Successfully assigned {pod.Namespace}/{pod.Name} to {NodeName}");
        var status = pod.Clone();
        status["status"] = new JsonObject
        {
            ["phase"] = "Pending",
            ["conditions"] = new JsonArray(Condition("PodScheduled", true, now)),
            ["hostIP"] = "127.0.0.1",
            ["qosClass"] = pod.Node["status"]?["qosClass"]?.DeepClone() ?? "BestEffort",
            ["containerStatuses"] = new JsonArray([.. Containers(pod).Select(c => (JsonNode)ContainerStatus(c, false, 0, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } }))]),
        };
        Writer.Replace(pod, status, Name, "status");
    }

    /// <summary>Starts (or restarts) the container: the application, its port on the pod, the Running status and the events.</summary>
    private TimeSpan? Run(StoredObject pod, PodRuntime runtime, DateTimeOffset now)
    {
        var restart = runtime.LastExit is not null;
        if (restart)
        {
            logs.Restart(pod.Namespace, pod.Name, FirstContainer(pod));
        }
        foreach (var container in Containers(pod))
        {
            logs.Append(pod.Namespace, pod.Name, container["name"]!.GetValue<string>(), $"{ObjectStore.Timestamp(now)} sandbox: container started (image {container["image"]})");
        }
        runtime.Start();
        foreach (var container in Containers(pod))
        {
            var name = container["name"]!.GetValue<string>();
            var fieldPath = $"spec.containers{{{name}}}";
            if (!_pulls.ContainsKey(new ObjectKey(pod.Namespace, pod.Name)))
            {
                _events.Record(pod, Name, "Pulled", $"Container image \"{container["image"]}\" already present on machine", fieldPath: fieldPath);
            }
            _events.Record(pod, Name, "Created", $"Created container: {name}", fieldPath: fieldPath);
            _events.Record(pod, Name, "Started", $"Started container {name}", fieldPath: fieldPath);
        }
        return Sync(pod, runtime, now);
    }

    /// <summary>Writes the pod's status from its runtime; restarts a crashed container when its back-off is over.</summary>
    private TimeSpan? Sync(StoredObject pod, PodRuntime runtime, DateTimeOffset now)
    {
        JsonObject state;
        TimeSpan? again = null;
        if (runtime.App is { } app)
        {
            pod = Annotate(pod, app.Port);
            state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = ObjectStore.Timestamp(app.StartedAt) } };
        }
        else
        {
            var exit = runtime.LastExit!;
            if (runtime.RestartAt is null)
            {
                runtime.RestartAt = runtime.BackOff.RestartAt(exit);
                if (runtime.RestartAt > now)
                {
                    _events.Record(pod, Name, "BackOff", $"Back-off restarting failed container {FirstContainer(pod)} in pod {pod.Name}_{pod.Namespace}({pod.Uid})", "Warning",
                        $"spec.containers{{{FirstContainer(pod)}}}");
                }
            }
            if (runtime.RestartAt <= now)
            {
                return Run(pod, runtime, now);
            }
            state = new JsonObject
            {
                ["waiting"] = new JsonObject
                {
                    ["reason"] = "CrashLoopBackOff",
                    ["message"] = $"back-off {Duration(runtime.BackOff.Window)} restarting failed container={FirstContainer(pod)} pod={pod.Name}_{pod.Namespace}({pod.Uid})",
                },
            };
            again = runtime.RestartAt - now;
        }
        var ready = runtime.Ready;
        var status = pod.Clone();
        var old = pod.Node["status"] as JsonObject ?? [];
        var lastState = runtime.LastExit is { } last
            ? new JsonObject { ["terminated"] = Terminated(last) }
            : new JsonObject();
        var next = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(
                Condition("Initialized", true, now, old),
                Condition("Ready", ready, now, old),
                Condition("ContainersReady", ready, now, old),
                Condition("PodScheduled", true, now, old)),
            ["hostIP"] = "127.0.0.1",
            ["podIP"] = "127.0.0.1",
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
            ["startTime"] = old["startTime"]?.DeepClone() ?? ObjectStore.Timestamp(now),
            ["qosClass"] = old["qosClass"]?.DeepClone() ?? "BestEffort",
            ["containerStatuses"] = new JsonArray([.. Containers(pod).Select(c =>
            {
                var s = ContainerStatus(c, ready, runtime.Restarts, state.DeepClone());
                s["imageID"] = ImageId(pod, c);
                s["started"] = runtime.Started;
                s["lastState"] = lastState.DeepClone();
                return (JsonNode)s;
            })]),
        };
        if (!ready)
        {
            var unready = $"containers with unready status: [{string.Join(' ', Containers(pod).Select(c => c["name"]?.GetValue<string>()))}]";
            foreach (var condition in next["conditions"]!.AsArray().OfType<JsonObject>().Where(c => c["type"]?.GetValue<string>() is "Ready" or "ContainersReady"))
            {
                condition["reason"] = "ContainersNotReady";
                condition["message"] = unready;
            }
        }
        if (!JsonNode.DeepEquals(old, next))
        {
            status["status"] = next;
            Writer.Replace(pod, status, Name, "status");
        }
        return again;
    }

    /// <summary>An event of the pod's container: a failed probe (Unhealthy, once a run of the same failure), a kill after a failed liveness or startup probe.</summary>
    private void Record(ObjectKey key, RuntimeEvent happened)
    {
        if (Store.Get(Pods, key.Namespace, key.Name) is not { } pod)
        {
            return;
        }
        try
        {
            _events.Record(pod, Name, happened.Reason, happened.Message, happened.Type, $"spec.containers{{{FirstContainer(pod)}}}");
        }
        catch (ApiException e) when (e.Code == 403)
        {
            // The pod's namespace is being deleted: its events go with it.
        }
    }

    /// <summary>
    /// Pulls the pod's image before its container first starts: an image of the configured registry is
    /// looked up there (a manifest HEAD), any other is assumed present on the node. True once the image
    /// is there; else the pod shows ContainerCreating while the lookup runs, ErrImagePull after a failed
    /// one, then ImagePullBackOff until its back-off is over, and <paramref name="again"/> says when to look again.
    /// </summary>
    private bool PullImage(StoredObject pod, ObjectKey key, DateTimeOffset now, out TimeSpan? again)
    {
        again = null;
        var container = Containers(pod).FirstOrDefault();
        var image = container?["image"]?.GetValue<string>() ?? "";
        if (Registry is not { } registry || image.Length == 0 || !registry.Holds(ImageReference.Parse(image)))
        {
            return true;
        }
        var pull = _pulls.GetOrAdd(key, _ => new ImagePull(pod.Uid, image));
        if (pull.Image != image)
        {
            // The pod's image was changed before it started: pull the new one.
            _pulls[key] = pull = new ImagePull(pod.Uid, image);
        }
        if (pull.Digest is not null)
        {
            return true;
        }
        var fieldPath = $"spec.containers{{{FirstContainer(pod)}}}";
        if (pull.TakeResult(now))
        {
            if (pull.Digest is not null)
            {
                var took = Time.GetElapsedTime(pull.StartedAt).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
                _events.Record(pod, Name, "Pulled", $"Successfully pulled image \"{image}\" in {took}ms ({took}ms including waiting)", fieldPath: fieldPath);
                return true;
            }
            _events.Record(pod, Name, "Failed", $"Failed to pull image \"{image}\": {pull.Error}", "Warning", fieldPath);
            _events.Record(pod, Name, "Failed", "Error: ErrImagePull", "Warning", fieldPath);
        }
        if (pull.Pulling)
        {
            return false;
        }
        if (pull.Failures > 0 && now < pull.RetryAt)
        {
            // ErrImagePull shows until the pod worker's next sync, then ImagePullBackOff until the back-off is over.
            var errorUntil = pull.FailedAt + PodWorkerBackOff;
            if (now < errorUntil)
            {
                Waiting(pod, "ErrImagePull", pull.Error!);
                again = (errorUntil < pull.RetryAt ? errorUntil : pull.RetryAt) - now;
                return false;
            }
            var message = $"Back-off pulling image \"{image}\"";
            if (!pull.BackOffRecorded)
            {
                pull.BackOffRecorded = true;
                _events.Record(pod, Name, "BackOff", message, fieldPath: fieldPath);
                _events.Record(pod, Name, "Failed", "Error: ImagePullBackOff", "Warning", fieldPath);
            }
            Waiting(pod, "ImagePullBackOff", message);
            again = pull.RetryAt - now;
            return false;
        }
        _events.Record(pod, Name, "Pulling", $"Pulling image \"{image}\"", fieldPath: fieldPath);
        var reference = ImageReference.Parse(image);
        pull.Start(() => registry.ResolveAsync(image, reference, CancellationToken.None), Time.GetTimestamp(), () => Enqueue(key));
        return false;
    }

    /// <summary>The imageID a container status shows: <c>registry/repository@digest</c> for a pulled image, else the image as given.</summary>
    private JsonNode? ImageId(StoredObject pod, JsonObject container) =>
        _pulls.TryGetValue(new ObjectKey(pod.Namespace, pod.Name), out var pull) && pull.Digest is { } digest && pull.Image == container["image"]?.GetValue<string>()
            ? $"{ImageReference.Parse(pull.Image).Name}@{digest}"
            : container["image"]?.DeepClone();

    /// <summary>Shows the pending pod's containers waiting for <paramref name="reason"/>.</summary>
    private void Waiting(StoredObject pod, string reason, string message)
    {
        var status = pod.Clone();
        var changed = false;
        foreach (var s in (status["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var waiting = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message } };
            if (!JsonNode.DeepEquals(s["state"], waiting))
            {
                s["state"] = waiting;
                changed = true;
            }
        }
        if (changed)
        {
            Writer.Replace(pod, status, Name, "status");
        }
    }

    /// <summary>Records the application's port on the pod (a metadata write), when it is not there yet.</summary>
    private StoredObject Annotate(StoredObject pod, int port)
    {
        var value = port.ToString(CultureInfo.InvariantCulture);
        if (pod.Node["metadata"]?["annotations"]?[PortAnnotation]?.GetValue<string>() == value)
        {
            return pod;
        }
        var annotated = pod.Clone();
        var metadata = annotated["metadata"]!.AsObject();
        var annotations = metadata["annotations"] as JsonObject ?? [];
        metadata["annotations"] = annotations;
        annotations[PortAnnotation] = value;
        Writer.Replace(pod, annotated, Name);
        return Store.Get(Pods, pod.Namespace, pod.Name)!;
    }

    private void Stop(ObjectKey key, PodRuntime runtime)
    {
        if (_runtimes.TryRemove(new KeyValuePair<ObjectKey, PodRuntime>(key, runtime)))
        {
            _ = Task.Run(async () => await runtime.DisposeAsync().ConfigureAwait(false));
        }
    }

    private static JsonObject Terminated(ContainerExit exit) => new()
    {
        ["exitCode"] = exit.ExitCode,
        ["reason"] = exit.Reason,
        ["startedAt"] = ObjectStore.Timestamp(exit.StartedAt),
        ["finishedAt"] = ObjectStore.Timestamp(exit.FinishedAt),
    };

    private static string Duration(TimeSpan span) => span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds}s" : $"{(int)span.TotalSeconds}s";

    private static JsonObject ContainerStatus(JsonObject container, bool ready, int restarts, JsonNode state) => new()
    {
        ["name"] = container["name"]?.DeepClone(),
        ["image"] = container["image"]?.DeepClone(),
        ["imageID"] = "",
        ["ready"] = ready,
        ["started"] = false,
        ["restartCount"] = restarts,
        ["state"] = state,
    };

    private static IEnumerable<JsonObject> Containers(StoredObject pod) =>
        (pod.Node["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>();

    private static string FirstContainer(StoredObject pod) => Containers(pod).FirstOrDefault()?["name"]?.GetValue<string>() ?? "";

    /// <summary>A pod condition; its lastTransitionTime is kept from <paramref name="old"/> while its status does not change.</summary>
    private static JsonObject Condition(string type, bool value, DateTimeOffset now, JsonObject? old = null)
    {
        var status = value ? "True" : "False";
        var previous = (old?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = previous?["status"]?.GetValue<string>() == status ? previous["lastTransitionTime"]?.DeepClone() : ObjectStore.Timestamp(now),
        };
    }

    /// <summary>Stops every pod's application (the sandbox stops).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var runtime in _runtimes.Values)
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
        }
        _runtimes.Clear();
        _probes.Dispose();
    }
}
