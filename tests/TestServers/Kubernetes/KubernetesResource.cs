using k8s.Models;

namespace OpsAutomation.TestServers;

/// <summary>A resource the stand-in serves: where it lives in the API and how its list is typed.</summary>
internal sealed record KubernetesResource(string Plural, string Group, string Kind, Type ModelType)
{
    public static readonly KubernetesResource Deployments = new("deployments", "apps", "Deployment", typeof(V1Deployment));
    public static readonly KubernetesResource StatefulSets = new("statefulsets", "apps", "StatefulSet", typeof(V1StatefulSet));
    public static readonly KubernetesResource DaemonSets = new("daemonsets", "apps", "DaemonSet", typeof(V1DaemonSet));
    public static readonly KubernetesResource Pods = new("pods", "", "Pod", typeof(V1Pod));

    public static readonly IReadOnlyList<KubernetesResource> All = [Deployments, StatefulSets, DaemonSets, Pods];

    public string ApiVersion => Group.Length == 0 ? "v1" : $"{Group}/v1";

    /// <summary>How the API server names it in messages: "deployments.apps", "pods".</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public static KubernetesResource? Find(string group, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Plural == plural);

    /// <summary>The typed List object (kind DeploymentList, ...) holding <paramref name="items"/>.</summary>
    public object List(IEnumerable<object> items, string resourceVersion)
    {
        var metadata = new V1ListMeta { ResourceVersion = resourceVersion };
        return Plural switch
        {
            "deployments" => new V1DeploymentList { ApiVersion = ApiVersion, Kind = "DeploymentList", Metadata = metadata, Items = [.. items.Cast<V1Deployment>()] },
            "statefulsets" => new V1StatefulSetList { ApiVersion = ApiVersion, Kind = "StatefulSetList", Metadata = metadata, Items = [.. items.Cast<V1StatefulSet>()] },
            "daemonsets" => new V1DaemonSetList { ApiVersion = ApiVersion, Kind = "DaemonSetList", Metadata = metadata, Items = [.. items.Cast<V1DaemonSet>()] },
            _ => new V1PodList { ApiVersion = ApiVersion, Kind = "PodList", Metadata = metadata, Items = [.. items.Cast<V1Pod>()] },
        };
    }
}
