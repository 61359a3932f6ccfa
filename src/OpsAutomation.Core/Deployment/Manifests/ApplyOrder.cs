namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>
/// The order objects are applied in, so each finds what it needs: namespaces, then custom resource
/// definitions and other cluster-scoped objects, then the configuration pods read (service accounts,
/// config maps, secrets, roles, claims), then services, then Deployments, then other workloads, then
/// the rest (autoscalers, ingresses, custom resources). Objects of one rank keep the order written.
/// </summary>
internal static class ApplyOrder
{
    private static readonly Dictionary<string, int> Ranks = new(StringComparer.Ordinal)
    {
        ["Namespace"] = 0,
        ["CustomResourceDefinition"] = 1,
        ["ServiceAccount"] = 3,
        ["ConfigMap"] = 3,
        ["Secret"] = 3,
        ["Role"] = 3,
        ["RoleBinding"] = 3,
        ["ResourceQuota"] = 3,
        ["LimitRange"] = 3,
        ["NetworkPolicy"] = 3,
        ["PersistentVolumeClaim"] = 3,
        ["Service"] = 4,
        ["Deployment"] = 5,
        ["StatefulSet"] = 6,
        ["DaemonSet"] = 6,
        ["ReplicaSet"] = 6,
        ["ReplicationController"] = 6,
        ["Job"] = 6,
        ["CronJob"] = 6,
        ["Pod"] = 6,
    };

    /// <summary>Cluster-scoped kinds that no table names rank with the other cluster things; namespaced ones come last.</summary>
    public static int Rank(string kind, bool namespaced) =>
        Ranks.TryGetValue(kind, out var rank) ? rank : namespaced ? 7 : 2;
}
