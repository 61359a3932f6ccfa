using k8s.Models;
using OpsAutomation.Core.Deployment.Strategies;

namespace OpsAutomation.Core.Tests.Deployment.Strategies;

public sealed class StrategyObjectsTests
{
    [Fact]
    public void A_canary_runs_the_new_template_beside_stable_without_sharing_its_pods()
    {
        var stable = Web("shop/web:1");
        var canary = StrategyObjects.Canary(stable, Web("shop/web:2").Spec.Template, replicas: 1);

        Assert.Equal("web-canary", canary.Metadata.Name);
        Assert.Equal("shop", canary.Metadata.NamespaceProperty);
        Assert.Equal(1, canary.Spec.Replicas);
        Assert.Equal("shop/web:2", canary.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("canary", canary.Spec.Selector.MatchLabels[StrategyObjects.TrackLabel]);
        Assert.Equal("canary", canary.Spec.Template.Metadata.Labels[StrategyObjects.TrackLabel]);
        // The Service's selector (app=web) still matches the canary's pods: that is the traffic split.
        Assert.Equal("web", canary.Spec.Template.Metadata.Labels["app"]);
        Assert.Equal("web", canary.Metadata.Annotations[StrategyObjects.ForAnnotation]);
        // The stable object given is untouched.
        Assert.Equal("shop/web:1", stable.Spec.Template.Spec.Containers[0].Image);
        Assert.False(stable.Spec.Selector.MatchLabels.ContainsKey(StrategyObjects.TrackLabel));
        Assert.Null(canary.Metadata.ResourceVersion);
    }

    [Fact]
    public void Blue_and_green_are_two_deployments_and_the_active_service_picks_one()
    {
        var blue = StrategyObjects.Colored(Web("shop/web:1"), StrategyObjects.Blue);
        var service = Service();
        var active = StrategyObjects.Active(service, StrategyObjects.Green);
        var preview = StrategyObjects.Preview(service, StrategyObjects.Blue);

        Assert.Equal("web-blue", blue.Metadata.Name);
        Assert.Equal("blue", blue.Spec.Selector.MatchLabels[StrategyObjects.ColorLabel]);
        Assert.Equal("blue", blue.Spec.Template.Metadata.Labels[StrategyObjects.ColorLabel]);
        Assert.Equal("green", StrategyObjects.SelectedColor(active));
        Assert.Equal("web", active.Metadata.Name);
        Assert.Equal("web-preview", preview.Metadata.Name);
        Assert.Equal("blue", StrategyObjects.SelectedColor(preview));
        Assert.Null(preview.Spec.ClusterIP);
        Assert.Null(StrategyObjects.SelectedColor(service));
        Assert.Equal(StrategyObjects.Green, StrategyObjects.OtherColor(StrategyObjects.Blue));
        Assert.Throws<ArgumentOutOfRangeException>(() => StrategyObjects.OtherColor("red"));
    }

    private static V1Deployment Web(string image) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop", ResourceVersion = "17", Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1DeploymentSpec
        {
            Replicas = 4,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = image }] },
            },
        },
    };

    private static V1Service Service() => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop" },
        Spec = new V1ServiceSpec
        {
            ClusterIP = "10.0.0.7",
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }],
        },
    };
}
