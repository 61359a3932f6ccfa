using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Strategies;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment;

/// <summary>
/// Reads a deployment spec (psd1, JSON or YAML, as a configuration tree) into a <see cref="DeploymentSpec"/>.
/// Every error names the spec and the key path: <c>web.psd1, key 'Strategy.Steps[2].PauseSec': must be a number, not 'soon'</c>.
/// Relative paths are relative to the spec file's folder.
/// </summary>
public static class DeploymentSpecReader
{
    private static readonly string[] TopKeys =
        ["Name", "Namespace", "Kubeconfig", "Context", "Image", "Containers", "Manifests", "Variables", "Deployment", "Service", "Strategy", "Validation", "TimeoutSec", "Rollback", "Notifications"];
    private static readonly string[] ImageKeys = ["Context", "Dockerfile", "Repository", "Tag", "BuildArguments", "Target", "Labels", "Push"];
    private static readonly string[] StrategyKeys = ["Type", "Steps", "MaxSurge", "ScaleDownDelaySec"];
    private static readonly string[] StepKeys = ["SetWeight", "PauseSec", "Analysis"];

    /// <param name="tree">The spec's root map.</param>
    /// <param name="origin">The spec file (or "parameters"), for errors.</param>
    /// <param name="baseDirectory">What relative paths in the spec are relative to.</param>
    /// <exception cref="ConfigurationException">Anything wrong with the spec, naming the key path.</exception>
    public static DeploymentSpec Read(IReadOnlyDictionary<string, object?> tree, string origin, string baseDirectory)
    {
        var root = new ConfigurationMap(tree, origin, "");
        root.RejectUnknownKeys(TopKeys);
        var name = root.GetRequiredString("Name");
        var manifests = root.GetStringList("Manifests");
        if (manifests.Count == 0) throw root.Error("is required: the manifest files or folders to apply", "Manifests");

        var variables = root.GetStringMap("Variables");
        string? Lookup(string name) => variables.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);
        var (build, reference) = ReadImage(root, baseDirectory, Lookup);
        var strategyMap = root.GetMap("Strategy");
        strategyMap?.RejectUnknownKeys(StrategyKeys);
        var strategy = strategyMap?.GetEnum<DeploymentStrategyKind>("Type", "strategy") ?? DeploymentStrategyKind.RollingUpdate;
        var steps = strategyMap is null ? [] : ReadSteps(strategyMap);
        if (strategyMap is not null)
        {
            if (strategy == DeploymentStrategyKind.Canary && steps.Count == 0)
                throw strategyMap.Error("is required for a canary: a list such as @(@{ SetWeight = 25 }, @{ Analysis = $true }, @{ SetWeight = 50 })", "Steps");
            if (strategy != DeploymentStrategyKind.Canary && strategyMap.Contains("Steps"))
                throw strategyMap.Error($"are for the Canary strategy, not {strategy}", "Steps");
            if (strategy != DeploymentStrategyKind.BlueGreen && strategyMap.Contains("ScaleDownDelaySec"))
                throw strategyMap.Error($"is for the BlueGreen strategy, not {strategy}", "ScaleDownDelaySec");
        }
        var service = root.GetString("Service");
        if (strategy != DeploymentStrategyKind.RollingUpdate && string.IsNullOrWhiteSpace(service))
            throw root.Error($"is required for the {strategy} strategy: the Service in front of the Deployment", "Service");

        return new DeploymentSpec
        {
            Name = name,
            Namespace = root.GetString("Namespace") ?? "default",
            Kubeconfig = root.GetString("Kubeconfig") is { } kubeconfig ? Path.GetFullPath(kubeconfig, baseDirectory) : null,
            Context = root.GetString("Context"),
            Build = build,
            ImageReference = reference,
            Containers = root.Contains("Containers") ? root.GetStringList("Containers") : [root.GetString("Deployment") ?? name],
            Manifests = [.. manifests.Select(m => Path.GetFullPath(m, baseDirectory))],
            Variables = variables,
            Deployment = root.GetString("Deployment") ?? name,
            Service = service,
            Strategy = strategy,
            CanarySteps = steps,
            MaxSurge = strategyMap?.GetInt("MaxSurge", 0, 1000) ?? 1,
            ScaleDownDelay = TimeSpan.FromSeconds(strategyMap?.GetDouble("ScaleDownDelaySec", 0, 7 * 24 * 3600) ?? 30),
            Validation = root.GetMap("Validation"),
            Timeout = TimeSpan.FromSeconds(root.GetDouble("TimeoutSec", 1, 24 * 3600) ?? 600),
            Rollback = root.GetBool("Rollback") ?? true,
            Notifications = root.GetMapList("Notifications"),
            Origin = origin,
        };
    }

    /// <summary>
    /// Image = 'registry/app:1.2' (prebuilt) or Image = @{ Context = ...; Repository = ...; Tag = ... } (built and pushed).
    /// The reference, Repository and Tag may hold <c>${NAME}</c> (the spec's Variables, then the environment), so one spec serves every registry.
    /// </summary>
    private static (ImageBuildSpec? Build, string? Reference) ReadImage(ConfigurationMap root, string baseDirectory, Func<string, string?> variables)
    {
        string Expand(ConfigurationMap map, string key, string value) => VariableExpander.Expand(value, $"{map.Origin}, key '{map.KeyPath(key)}'", variables);
        if (!root.Contains("Image") || root.GetValue("Image") is null) return (null, null);
        if (root.GetValue("Image") is string reference)
            return string.IsNullOrWhiteSpace(reference) ? throw root.Error("must not be empty", "Image") : (null, Expand(root, "Image", reference.Trim()));
        var image = root.GetMap("Image")!;
        image.RejectUnknownKeys(ImageKeys);
        return (new ImageBuildSpec
        {
            Context = Path.GetFullPath(image.GetRequiredString("Context"), baseDirectory),
            Dockerfile = image.GetString("Dockerfile") is { } dockerfile ? Path.GetFullPath(dockerfile, baseDirectory) : null,
            Repository = Expand(image, "Repository", image.GetRequiredString("Repository")),
            Tag = Expand(image, "Tag", image.GetString("Tag") ?? "latest"),
            BuildArguments = image.GetStringMap("BuildArguments"),
            Target = image.GetString("Target"),
            Labels = image.GetStringMap("Labels"),
            Push = image.GetBool("Push") ?? true,
        }, null);
    }

    private static List<CanaryStep> ReadSteps(ConfigurationMap strategy)
    {
        var steps = new List<CanaryStep>();
        foreach (var step in strategy.GetMapList("Steps"))
        {
            step.RejectUnknownKeys(StepKeys);
            var given = StepKeys.Where(step.Contains).ToList();
            if (given.Count != 1)
            {
                throw new ConfigurationException($"must have exactly one of {string.Join(", ", StepKeys)}{(given.Count > 1 ? $", not {string.Join(" and ", given)}" : "")}",
                    step.Origin, step.Path);
            }
            steps.Add(given[0] switch
            {
                "SetWeight" => new SetWeightStep(step.GetInt("SetWeight", 0, 100)!.Value),
                "PauseSec" => new PauseStep(TimeSpan.FromSeconds(step.GetDouble("PauseSec", 0, 7 * 24 * 3600)!.Value)),
                _ => step.GetBool("Analysis") == true ? new AnalysisStep() : throw step.Error("must be $true: an analysis step runs the Validation gates", "Analysis"),
            });
        }
        return steps;
    }
}
