using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// The Endpoints controller: for each Service with a selector, an Endpoints object of the same name
/// whose subset lists the ready pods' IPs as addresses and the others as notReadyAddresses, with the
/// service's ports resolved to the pods' (a named targetPort by the container port's name), labelled
/// as the service; it goes when the service goes.
/// </summary>
public sealed class EndpointsController(ObjectWriter writer, TimeProvider time) : Controller(writer, time, "endpoint-controller")
{
    private ResourceType Services => Store.Registry.Get<V1Service>();

    private ResourceType Pods => Store.Registry.Get<V1Pod>();

    private ResourceType EndpointsType => Store.Registry.Get<V1Endpoints>();

    protected override IEnumerable<ResourceType> Watched => [Services, Pods];

    protected override IEnumerable<ObjectKey> KeysFor(StoreEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var stored = change.Stored;
        return stored.Type == Services
            ? [new ObjectKey(stored.Namespace, stored.Name)]
            : Store.List(Services, stored.Namespace).Items.Select(s => new ObjectKey(s.Namespace, s.Name));
    }

    protected override TimeSpan? Reconcile(ObjectKey key)
    {
        var service = Store.Get(Services, key.Namespace, key.Name);
        var existing = Store.Get(EndpointsType, key.Namespace, key.Name);
        if (service is null || service.Node["metadata"]?["deletionTimestamp"] is not null)
        {
            if (existing is not null)
            {
                // The Endpoints of a deleted service go with it.
                Writer.Collector.Delete(existing, "Background", dryRun: false);
            }
            return null;
        }
        if (service.Node["spec"]?["selector"] is not JsonObject { Count: > 0 } selector)
        {
            // A service without a selector has its Endpoints written by someone else.
            return null;
        }
        var matching = Selectors.Parse(Pods, string.Join(',', selector.Select(p => $"{p.Key}={p.Value}")), null);
        var pods = Store.List(Pods, key.Namespace).Items
            .Where(p => matching.Matches(p.Node) && Objects.IsActive(p.Node) && p.Node["status"]?["podIP"] is not null)
            .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var ready = new JsonArray();
        var notReady = new JsonArray();
        foreach (var pod in pods)
        {
            var address = new JsonObject
            {
                ["ip"] = pod.Node["status"]!["podIP"]!.DeepClone(),
                ["nodeName"] = pod.Node["spec"]?["nodeName"]?.DeepClone(),
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = pod.Namespace, ["name"] = pod.Name, ["uid"] = pod.Uid },
            };
            (Objects.ReadySince(pod.Node) is null ? notReady : ready).Add(address);
        }
        var ports = new JsonArray([.. (service.Node["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p["name"]?.DeepClone(),
            ["port"] = TargetPort(p, pods.FirstOrDefault()),
            ["protocol"] = p["protocol"]?.DeepClone() ?? "TCP",
        })]);
        var subset = new JsonObject();
        if (ready.Count > 0)
        {
            subset["addresses"] = ready;
        }
        if (notReady.Count > 0)
        {
            subset["notReadyAddresses"] = notReady;
        }
        subset["ports"] = ports;
        var subsets = ready.Count + notReady.Count == 0 ? new JsonArray() : new JsonArray(subset);
        if (existing is null)
        {
            Writer.Create(EndpointsType, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = key.Name,
                    ["namespace"] = key.Namespace,
                    ["labels"] = service.Node["metadata"]?["labels"]?.DeepClone(),
                },
                ["subsets"] = subsets,
            }, Name);
        }
        else if (!JsonNode.DeepEquals(existing.Node["subsets"] ?? new JsonArray(), subsets))
        {
            var updated = existing.Clone();
            updated["subsets"] = subsets;
            Writer.Replace(existing, updated, Name);
        }
        return null;
    }

    /// <summary>The pod port a service port reaches: its number, or the container port of that name.</summary>
    private static int TargetPort(JsonObject servicePort, StoredObject? pod)
    {
        var target = servicePort["targetPort"] ?? servicePort["port"];
        var text = target?.ToString() ?? "0";
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        var named = (pod?.Node["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .SelectMany(c => (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
            .FirstOrDefault(p => p["name"]?.ToString() == text);
        return named is null ? 0 : Objects.Number(named["containerPort"]);
    }
}
