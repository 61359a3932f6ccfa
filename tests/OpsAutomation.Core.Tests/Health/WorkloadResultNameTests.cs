using OpsAutomation.Core.Health.Kubernetes;

namespace OpsAutomation.Core.Tests.Health;

/// <summary>The result names of a KubernetesWorkload check read back into the catalog's service and the workload.</summary>
public sealed class WorkloadResultNameTests
{
    [Theory]
    [InlineData("web/deployment/web", "web", "deployment", "web")]
    [InlineData("shop/statefulset/db-0", "shop", "statefulset", "db-0")]
    [InlineData("nodes/daemonset/agent", "nodes", "daemonset", "agent")]
    public void A_workload_result_name_splits_into_service_kind_and_workload(string name, string service, string kind, string workload)
    {
        Assert.True(WorkloadResultName.TryParse(name, out var s, out var k, out var w));
        Assert.Equal((service, kind, workload), (s, k, w));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("web/pod/web")]
    [InlineData("a/deployment/b/c")]
    [InlineData("/deployment/web")]
    public void Any_other_name_is_the_service_itself(string name)
    {
        Assert.False(WorkloadResultName.TryParse(name, out var service, out var kind, out var workload));
        Assert.Equal((name, "", ""), (service, kind, workload));
    }
}
