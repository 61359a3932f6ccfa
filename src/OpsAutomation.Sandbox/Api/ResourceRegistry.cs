using k8s.Models;

namespace OpsAutomation.Sandbox.Api;

/// <summary>The resource types the sandbox serves, found by group/version/plural (URLs) or apiVersion/kind (bodies).</summary>
public sealed class ResourceRegistry
{
    private readonly List<ResourceType> _types;

    public ResourceRegistry(IEnumerable<ResourceType> types) => _types = [.. types];

    public IReadOnlyList<ResourceType> Types => _types;

    /// <summary>The group versions served, core (v1) first, in discovery order.</summary>
    public IEnumerable<(string Group, string Version)> GroupVersions => _types.Select(t => (t.Group, t.Version)).Distinct();

    public static ResourceRegistry Builtin { get; } = new(
    [
        ResourceType.Of<V1Namespace>("namespaces", ["ns"], namespaced: false, status: true, nameRule: NameRule.Label,
            fieldLabels: ["status.phase"]),
        ResourceType.Of<V1Pod>("pods", ["po"], ["all"], status: true, log: true, deleteReturnsObject: true,
            fieldLabels: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
                "status.phase", "status.podIP", "status.nominatedNodeName"]),
        ResourceType.Of<V1Service>("services", ["svc"], ["all"], status: true, nameRule: NameRule.Dns1035Label, deleteReturnsObject: true),
        ResourceType.Of<V1Endpoints>("endpoints", ["ep"]),
        ResourceType.Of<Corev1Event>("events", ["ev"],
            fieldLabels: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                "reportingComponent", "source", "type"]),
        ResourceType.Of<V1ConfigMap>("configmaps", ["cm"]),
        ResourceType.Of<V1Secret>("secrets", fieldLabels: ["type"]),
        ResourceType.Of<V1Deployment>("deployments", ["deploy"], ["all"], tracksGeneration: true, status: true, scale: true),
        ResourceType.Of<V1ReplicaSet>("replicasets", ["rs"], ["all"], tracksGeneration: true, status: true, scale: true,
            fieldLabels: ["status.replicas"]),
        // Served as an API server without its controllers serves them (as envtest): stored, listed, watched; no pods made.
        ResourceType.Of<V1StatefulSet>("statefulsets", ["sts"], ["all"], tracksGeneration: true, status: true, scale: true),
        ResourceType.Of<V1DaemonSet>("daemonsets", ["ds"], ["all"], tracksGeneration: true, status: true),
    ]);

    public ResourceType? ByPlural(string group, string version, string plural) =>
        _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    public ResourceType? ByKind(string apiVersion, string kind) =>
        _types.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);

    public ResourceType Get(string apiVersion, string kind) =>
        ByKind(apiVersion, kind) ?? throw new ArgumentException($"The sandbox serves no {apiVersion}/{kind}.", nameof(kind));

    public ResourceType Get<T>()
    {
        var entity = (KubernetesEntityAttribute)Attribute.GetCustomAttribute(typeof(T), typeof(KubernetesEntityAttribute))!;
        return Get(entity.Group.Length == 0 ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}", entity.Kind);
    }
}
