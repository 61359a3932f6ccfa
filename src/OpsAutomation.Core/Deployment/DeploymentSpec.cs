using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Strategies;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment;

/// <summary>
/// One deployment as a spec file (or Invoke-Deployment's parameters) describes it: what to build,
/// which manifests to apply, which Deployment and Service the strategy drives, how to validate and
/// what to do on failure. Paths are absolute (resolved against the spec's folder).
/// </summary>
public sealed record DeploymentSpec
{
    public required string Name { get; init; }

    public string Namespace { get; init; } = "default";

    public string? Kubeconfig { get; init; }

    public string? Context { get; init; }

    /// <summary>What to build and push; null when <see cref="ImageReference"/> names a prebuilt image, or the manifests' images are used as they are.</summary>
    public ImageBuildSpec? Build { get; init; }

    /// <summary>A prebuilt image (by tag or digest) put into <see cref="Containers"/> instead of a build.</summary>
    public string? ImageReference { get; init; }

    /// <summary>The containers (by name) that run the built or given image; by default the one named like the deployment.</summary>
    public IReadOnlyList<string> Containers { get; init; } = [];

    /// <summary>Manifest files and folders (YAML or JSON).</summary>
    public required IReadOnlyList<string> Manifests { get; init; }

    /// <summary>Values for <c>${NAME}</c> in the manifests, before the environment's.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    /// <summary>The Deployment of the manifests that the rollout, the strategy and an undo act on.</summary>
    public required string Deployment { get; init; }

    /// <summary>The Service in front of it, for canary and blue-green and for validating through its URL; null when there is none.</summary>
    public string? Service { get; init; }

    public DeploymentStrategyKind Strategy { get; init; } = DeploymentStrategyKind.RollingUpdate;

    /// <summary>Canary only: the steps.</summary>
    public IReadOnlyList<CanaryStep> CanarySteps { get; init; } = [];

    /// <summary>Canary only: pods over the desired count a step may add to come nearer its weight.</summary>
    public int MaxSurge { get; init; } = 1;

    /// <summary>Blue-green only: how long the old color keeps its pods after the switch.</summary>
    public TimeSpan ScaleDownDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The spec's Validation section as written, read by the validation step.</summary>
    public ConfigurationMap? Validation { get; init; }

    /// <summary>The longest a rollout may take, on top of the Deployment's own progress deadline.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Undo a failed rollout or validation automatically (kubectl rollout undo); false leaves it for a person.</summary>
    public bool Rollback { get; init; } = true;

    /// <summary>Where the start and the end of the run are announced: channel maps as health alerting's (Type, Uri, RoutingKey, Headers).</summary>
    public IReadOnlyList<ConfigurationMap> Notifications { get; init; } = [];

    /// <summary>Where the spec came from, for messages: a file path or "parameters".</summary>
    public required string Origin { get; init; }
}

/// <summary>An image to build from a context folder and push.</summary>
public sealed record ImageBuildSpec
{
    /// <summary>The build context folder (absolute).</summary>
    public required string Context { get; init; }

    /// <summary>The Dockerfile (absolute); null for the context's Dockerfile.</summary>
    public string? Dockerfile { get; init; }

    /// <summary>Where the image is pushed, without tag: <c>127.0.0.1:5000/shop/web</c>.</summary>
    public required string Repository { get; init; }

    public required string Tag { get; init; }

    public IReadOnlyDictionary<string, string> BuildArguments { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Push after the build (the default); false keeps the image in the engine (a local cluster that shares it).</summary>
    public bool Push { get; init; } = true;
}
