using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The discovery documents clients read before anything else: /version, /api, /apis, the group and
/// group-version resource lists, and the aggregated discovery (apidiscovery.k8s.io v2 and v2beta1)
/// that kubectl 1.27 and later ask for first, all built from the resource registry.
/// </summary>
public sealed class Discovery(ResourceRegistry registry, string serverAddress)
{
    /// <summary>The Kubernetes version the sandbox reports: the API its OpenAPI documents and behaviour follow.</summary>
    public const string GitVersion = "v1.33.0";

    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "33",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "33",
        ["minCompatibilityMajor"] = "1",
        ["minCompatibilityMinor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-04-23T00:00:00Z",
        ["goVersion"] = "go1.24.2",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public JsonObject CoreVersions() => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. Groups().Select(g => (JsonNode)GroupBody(g))]),
    };

    public JsonObject? Group(string group) =>
        Groups().Contains(group) ? GroupBody(group).Also(o => { o["kind"] = "APIGroup"; o["apiVersion"] = "v1"; }) : null;

    public JsonObject? ResourceList(string group, string version)
    {
        var types = registry.Types.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }
        var resources = new JsonArray();
        foreach (var type in types)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode)v)]),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => (JsonNode)s)]);
            }
            if (type.Categories.Count > 0)
            {
                resource["categories"] = new JsonArray([.. type.Categories.Select(s => (JsonNode)s)]);
            }
            resources.Add(resource);
            foreach (var (sub, kind, verbs) in Subresources(type))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{type.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["group"] = kind.Group,
                    ["version"] = kind.Version,
                    ["kind"] = kind.Kind,
                    ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
                });
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary>An APIGroupDiscoveryList: the core group for /api, the named groups for /apis.</summary>
    public JsonObject Aggregated(bool core, string discoveryVersion)
    {
        var items = new JsonArray();
        foreach (var group in Groups(includeCore: core).Where(g => (g.Length == 0) == core))
        {
            var versions = new JsonArray();
            foreach (var version in registry.GroupVersions.Where(gv => gv.Group == group).Select(gv => gv.Version))
            {
                var resources = new JsonArray();
                foreach (var type in registry.Types.Where(t => t.Group == group && t.Version == version))
                {
                    var resource = new JsonObject
                    {
                        ["resource"] = type.Plural,
                        ["responseKind"] = Gvk(type.Group, type.Version, type.Kind),
                        ["scope"] = type.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = type.Singular,
                        ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode)v)]),
                    };
                    if (type.ShortNames.Count > 0)
                    {
                        resource["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => (JsonNode)s)]);
                    }
                    if (type.Categories.Count > 0)
                    {
                        resource["categories"] = new JsonArray([.. type.Categories.Select(s => (JsonNode)s)]);
                    }
                    var subresources = new JsonArray([.. Subresources(type).Select(s => (JsonNode)new JsonObject
                    {
                        ["subresource"] = s.Name,
                        ["responseKind"] = Gvk(s.Kind.Group, s.Kind.Version, s.Kind.Kind),
                        ["verbs"] = new JsonArray([.. s.Verbs.Select(v => (JsonNode)v)]),
                    })]);
                    if (subresources.Count > 0)
                    {
                        resource["subresources"] = subresources;
                    }
                    resources.Add(resource);
                }
                versions.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }
            items.Add(new JsonObject { ["metadata"] = new JsonObject { ["name"] = group, ["creationTimestamp"] = null }, ["versions"] = versions });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = $"apidiscovery.k8s.io/{discoveryVersion}",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static IEnumerable<(string Name, (string Group, string Version, string Kind) Kind, string[] Verbs)> Subresources(ResourceType type)
    {
        if (type.HasStatusSubresource)
        {
            yield return ("status", (type.Group, type.Version, type.Kind), ["get", "patch", "update"]);
        }
        if (type.HasScaleSubresource)
        {
            yield return ("scale", ("autoscaling", "v1", "Scale"), ["get", "patch", "update"]);
        }
        if (type.HasLogSubresource)
        {
            yield return ("log", ("", "v1", "Pod"), ["get"]);
        }
    }

    private IEnumerable<string> Groups(bool includeCore = false) =>
        registry.GroupVersions.Select(gv => gv.Group).Distinct().Where(g => includeCore || g.Length > 0);

    private JsonObject GroupBody(string group)
    {
        var versions = registry.GroupVersions.Where(gv => gv.Group == group)
            .Select(gv => (JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{gv.Version}", ["version"] = gv.Version }).ToList();
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions]),
            ["preferredVersion"] = versions[0]!.DeepClone(),
        };
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject obj, Action<JsonObject> change)
    {
        change(obj);
        return obj;
    }
}
