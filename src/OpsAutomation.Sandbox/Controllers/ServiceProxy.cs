using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;
using OpsAutomation.Sandbox.Pods;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// The sandbox's kube-proxy: each Service of type ClusterIP (not headless), NodePort or LoadBalancer
/// gets a 127.0.0.1 port per service port (<see cref="PortsAnnotation"/>, and a LoadBalancer's
/// status.loadBalancer.ingress 127.0.0.1) that forwards each connection to the next of its ready
/// endpoints, round robin, read from the Endpoints object and the pods' application ports when the
/// connection comes; the ports close when the Service goes or the sandbox stops.
/// </summary>
public sealed class ServiceProxy(ObjectWriter writer, TimeProvider time) : Controller(writer, time, "kube-proxy"), IAsyncDisposable
{
    /// <summary>The Service annotation mapping each service port to its local port, JSON: <c>{"80":41234}</c>.</summary>
    public const string PortsAnnotation = "sandbox.opsautomation/ports";

    private static readonly string[] ProxiedTypes = ["ClusterIP", "NodePort", "LoadBalancer"];

    private readonly ConcurrentDictionary<ObjectKey, Proxied> _services = new();

    private ResourceType Services => Store.Registry.Get<V1Service>();

    private ResourceType EndpointsType => Store.Registry.Get<V1Endpoints>();

    private ResourceType Pods => Store.Registry.Get<V1Pod>();

    protected override IEnumerable<ResourceType> Watched => [Services];

    protected override IEnumerable<ObjectKey> KeysFor(StoreEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return [new ObjectKey(change.Stored.Namespace, change.Stored.Name)];
    }

    protected override TimeSpan? Reconcile(ObjectKey key)
    {
        var service = Store.Get(Services, key.Namespace, key.Name);
        var ports = service is null || service.Node["metadata"]?["deletionTimestamp"] is not null ? [] : ServicePorts(service.Node);
        var signature = service is null ? "" : $"{service.Uid}/{string.Join(',', ports)}";
        if (_services.TryGetValue(key, out var current) && current.Signature != signature)
        {
            _services.TryRemove(key, out _);
            current.DisposeAsync().AsTask().GetAwaiter().GetResult();
            current = null;
        }
        if (ports.Count == 0)
        {
            return null;
        }
        if (current is null)
        {
            var rotation = new Rotation();
            current = new Proxied(signature, ports.ToDictionary(p => p, _ => new ServiceForwarder(() => NextBackend(key, rotation))));
            _services[key] = current;
        }
        Publish(service!, current);
        return null;
    }

    /// <summary>The service ports kube-proxy serves for this Service (none for ExternalName or headless).</summary>
    private static List<int> ServicePorts(JsonObject service)
    {
        var type = service["spec"]?["type"]?.GetValue<string>() ?? "ClusterIP";
        if (!ProxiedTypes.Contains(type) || service["spec"]?["clusterIP"]?.GetValue<string>() == "None")
        {
            return [];
        }
        return [.. (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => Objects.Number(p["port"])).Where(p => p > 0).Distinct().Order()];
    }

    /// <summary>Writes the local ports on the Service, and 127.0.0.1 as a LoadBalancer's ingress.</summary>
    private void Publish(StoredObject service, Proxied proxied)
    {
        var value = JsonSerializer.Serialize(proxied.Forwarders.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value.Port));
        if (service.Node["metadata"]?["annotations"]?[PortsAnnotation]?.GetValue<string>() != value)
        {
            var updated = service.Clone();
            var metadata = updated["metadata"]!.AsObject();
            if (metadata["annotations"] is not JsonObject annotations)
            {
                annotations = [];
                metadata["annotations"] = annotations;
            }
            annotations[PortsAnnotation] = value;
            Writer.Replace(service, updated, Name);
            return; // The write comes back as a change; the status follows then.
        }
        if (service.Node["spec"]?["type"]?.GetValue<string>() == "LoadBalancer"
            && service.Node["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]?.GetValue<string>() != "127.0.0.1")
        {
            var updated = service.Clone();
            updated["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1", ["ipMode"] = "VIP" }) } };
            Writer.Replace(service, updated, Name, subresource: "status");
        }
    }

    /// <summary>The application port of the Service's next ready endpoint, or null when it has none.</summary>
    private int? NextBackend(ObjectKey key, Rotation rotation)
    {
        var endpoints = Store.Get(EndpointsType, key.Namespace, key.Name);
        var ports = (endpoints?.Node["subsets"] as JsonArray ?? []).OfType<JsonObject>()
            .SelectMany(s => (s["addresses"] as JsonArray ?? []).OfType<JsonObject>())
            .Select(a => a["targetRef"]?["name"]?.GetValue<string>())
            .OfType<string>()
            .Select(pod => Store.Get(Pods, key.Namespace, pod)?.Node["metadata"]?["annotations"]?[Kubelet.PortAnnotation]?.GetValue<string>())
            .Select(port => int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : 0)
            .Where(port => port > 0)
            .ToList();
        return ports.Count == 0 ? null : ports[rotation.Next() % ports.Count];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _services.Keys)
        {
            if (_services.TryRemove(key, out var proxied))
            {
                await proxied.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A Service's round robin: the count of connections so far.</summary>
    private sealed class Rotation
    {
        private int _next = -1;

        public int Next() => (int)((uint)Interlocked.Increment(ref _next) & int.MaxValue);
    }

    /// <summary>The forwarders of one Service, by service port, for its uid and ports (the signature).</summary>
    private sealed record Proxied(string Signature, Dictionary<int, ServiceForwarder> Forwarders) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var forwarder in Forwarders.Values)
            {
                await forwarder.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
