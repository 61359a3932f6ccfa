using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Deployment.Strategies;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment;

public sealed class DeploymentSpecReaderTests
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "specs");

    [Fact]
    public void A_canary_spec_reads_into_steps_and_absolute_paths()
    {
        var spec = Read(new()
        {
            ["Name"] = "web",
            ["Namespace"] = "shop",
            ["Image"] = Map(("Context", "app"), ("Repository", "127.0.0.1:5000/shop/web"), ("Tag", "1.4.0"), ("BuildArguments", Map(("CHANNEL", "stable")))),
            ["Manifests"] = new List<object?> { "k8s", "extra/service.yaml" },
            ["Service"] = "web",
            ["Strategy"] = Map(("Type", "canary"), ("MaxSurge", 2L),
                ("Steps", new List<object?> { Map(("SetWeight", 25L)), Map(("PauseSec", 30L)), Map(("Analysis", true)), Map(("SetWeight", 50L)) })),
            ["TimeoutSec"] = 120L,
        });

        Assert.Equal(DeploymentStrategyKind.Canary, spec.Strategy);
        Assert.Equal([new SetWeightStep(25), new PauseStep(TimeSpan.FromSeconds(30)), new AnalysisStep(), new SetWeightStep(50)], spec.CanarySteps);
        Assert.Equal(2, spec.MaxSurge);
        Assert.Equal(Path.Combine(Folder, "app"), spec.Build!.Context);
        Assert.Equal("stable", spec.Build.BuildArguments["CHANNEL"]);
        Assert.Equal([Path.Combine(Folder, "k8s"), Path.Combine(Folder, "extra", "service.yaml")], spec.Manifests);
        Assert.Equal("web", spec.Deployment);
        Assert.Equal(["web"], spec.Containers);
        Assert.Equal(TimeSpan.FromMinutes(2), spec.Timeout);
        Assert.True(spec.Rollback);
    }

    [Fact]
    public void A_prebuilt_image_is_a_reference_and_the_defaults_are_a_rolling_update()
    {
        var spec = Read(new() { ["Name"] = "api", ["Image"] = "127.0.0.1:5000/api@sha256:" + new string('a', 64), ["Manifests"] = "k8s" });

        Assert.Null(spec.Build);
        Assert.StartsWith("127.0.0.1:5000/api@sha256:", spec.ImageReference);
        Assert.Equal(DeploymentStrategyKind.RollingUpdate, spec.Strategy);
        Assert.Equal("default", spec.Namespace);
        Assert.Equal(TimeSpan.FromMinutes(10), spec.Timeout);
    }

    [Theory]
    [InlineData("Imgae", "web.psd1, key 'Imgae': unknown key")]
    [InlineData("NoManifests", "web.psd1, key 'Manifests': is required")]
    [InlineData("CanaryWithoutSteps", "web.psd1, key 'Strategy.Steps': is required for a canary")]
    [InlineData("TwoKeysInAStep", "web.psd1, key 'Strategy.Steps[0]': must have exactly one of SetWeight, PauseSec, Analysis, not SetWeight and PauseSec")]
    [InlineData("WeightOver100", "web.psd1, key 'Strategy.Steps[0].SetWeight': 120 is out of range")]
    [InlineData("BlueGreenWithoutService", "web.psd1, key 'Service': is required for the BlueGreen strategy")]
    [InlineData("StepsOnBlueGreen", "web.psd1, key 'Strategy.Steps': are for the Canary strategy, not BlueGreen")]
    [InlineData("UnknownStrategy", "web.psd1, key 'Strategy.Type': unknown strategy 'Shadow'")]
    public void A_bad_spec_names_the_key(string fault, string expected)
    {
        var tree = new Dictionary<string, object?> { ["Name"] = "web", ["Manifests"] = "k8s", ["Service"] = "web" };
        switch (fault)
        {
            case "Imgae": tree["Imgae"] = "x"; break;
            case "NoManifests": tree.Remove("Manifests"); break;
            case "CanaryWithoutSteps": tree["Strategy"] = Map(("Type", "Canary")); break;
            case "TwoKeysInAStep": tree["Strategy"] = Map(("Type", "Canary"), ("Steps", new List<object?> { Map(("SetWeight", 10L), ("PauseSec", 5L)) })); break;
            case "WeightOver100": tree["Strategy"] = Map(("Type", "Canary"), ("Steps", new List<object?> { Map(("SetWeight", 120L)) })); break;
            case "BlueGreenWithoutService": tree.Remove("Service"); tree["Strategy"] = Map(("Type", "BlueGreen")); break;
            case "StepsOnBlueGreen": tree["Strategy"] = Map(("Type", "BlueGreen"), ("Steps", new List<object?> { Map(("SetWeight", 10L)) })); break;
            case "UnknownStrategy": tree["Strategy"] = Map(("Type", "Shadow")); break;
        }

        var error = Assert.Throws<ConfigurationException>(() => DeploymentSpecReader.Read(tree, "web.psd1", Folder));

        Assert.StartsWith(expected, error.Message);
    }

    private static DeploymentSpec Read(Dictionary<string, object?> tree) => DeploymentSpecReader.Read(tree, "web.psd1", Folder);

    private static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase);
}
