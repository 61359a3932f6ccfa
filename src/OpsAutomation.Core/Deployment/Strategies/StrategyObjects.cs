using k8s;
using k8s.Models;

namespace OpsAutomation.Core.Deployment.Strategies;

/// <summary>
/// The extra objects canary and blue-green need without a controller or CRD in the cluster: a
/// second Deployment beside the one the manifests describe, told apart by one label in its
/// selector and pods, and Services that pick a side by that label. Pure functions over
/// KubernetesClient's models; the manifests' own objects are never modified in place.
/// </summary>
public static class StrategyObjects
{
    /// <summary>The pod label that tells a canary's pods from the stable ones.</summary>
    public const string TrackLabel = "deploy.opsautomation/track";

    /// <summary>The pod label that tells blue pods from green ones; the active Service selects by it.</summary>
    public const string ColorLabel = "deploy.opsautomation/color";

    /// <summary>On every object a strategy creates: the Deployment of the manifests it stands beside.</summary>
    public const string ForAnnotation = "deploy.opsautomation/for";

    public const string Blue = "blue";
    public const string Green = "green";

    public static string CanaryName(string stable) => $"{stable}-canary";

    public static string ColoredName(string name, string color) => $"{name}-{color}";

    public static string PreviewName(string service) => $"{service}-preview";

    public static string OtherColor(string color) => color == Blue ? Green : color == Green ? Blue
        : throw new ArgumentOutOfRangeException(nameof(color), color, $"a color is {Blue} or {Green}");

    /// <summary>
    /// The canary beside <paramref name="stable"/>: its spec with <paramref name="template"/> (the new
    /// version), the track label added to selector and pods so neither Deployment's ReplicaSets take the
    /// other's pods, while the Service, which selects by the stable labels, sends traffic to both.
    /// </summary>
    public static V1Deployment Canary(V1Deployment stable, V1PodTemplateSpec template, int replicas)
    {
        var canary = Derived(stable, CanaryName(stable.Name()), TrackLabel, "canary", template);
        canary.Spec.Replicas = replicas;
        return canary;
    }

    /// <summary>The Deployment of <paramref name="color"/>: the manifest's, renamed, with the color label in selector and pods.</summary>
    public static V1Deployment Colored(V1Deployment manifest, string color)
    {
        OtherColor(color);
        return Derived(manifest, ColoredName(manifest.Name(), color), ColorLabel, color, manifest.Spec.Template);
    }

    /// <summary>The manifest's Service, narrowed to the pods of <paramref name="color"/>.</summary>
    public static V1Service Active(V1Service manifest, string color)
    {
        OtherColor(color);
        var service = Copy(manifest);
        service.Spec.Selector = With(service.Spec.Selector, ColorLabel, color);
        return service;
    }

    /// <summary>
    /// A second Service beside <paramref name="manifest"/> that selects the idle color, for
    /// validating a version before it takes traffic. Addresses the cluster assigns (cluster IPs, node
    /// ports) are left for it to assign again.
    /// </summary>
    public static V1Service Preview(V1Service manifest, string color)
    {
        var preview = Active(manifest, color);
        preview.Metadata = new V1ObjectMeta
        {
            Name = PreviewName(manifest.Name()),
            NamespaceProperty = manifest.Namespace(),
            Labels = manifest.Labels() is { } labels ? new Dictionary<string, string>(labels) : null,
            Annotations = new Dictionary<string, string> { [ForAnnotation] = manifest.Name() },
        };
        preview.Spec.ClusterIP = null;
        preview.Spec.ClusterIPs = null;
        foreach (var port in preview.Spec.Ports ?? []) port.NodePort = null;
        preview.Status = null;
        return preview;
    }

    /// <summary>The color a Service selects now; null when it selects by no color (before the first blue-green run).</summary>
    public static string? SelectedColor(V1Service service) =>
        service.Spec?.Selector is { } selector && selector.TryGetValue(ColorLabel, out var color) ? color : null;

    private static V1Deployment Derived(V1Deployment source, string name, string label, string value, V1PodTemplateSpec template)
    {
        var derived = Copy(source);
        derived.Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = source.Namespace(),
            Labels = With(source.Labels(), label, value),
            Annotations = new Dictionary<string, string> { [ForAnnotation] = source.Name() },
        };
        derived.Spec.Selector = new V1LabelSelector
        {
            MatchLabels = With(source.Spec.Selector?.MatchLabels, label, value),
            MatchExpressions = source.Spec.Selector?.MatchExpressions,
        };
        derived.Spec.Template = Copy(template);
        derived.Spec.Template.Metadata ??= new V1ObjectMeta();
        derived.Spec.Template.Metadata.Labels = With(derived.Spec.Template.Metadata.Labels, label, value);
        derived.Status = null;
        return derived;
    }

    private static Dictionary<string, string> With(IDictionary<string, string>? labels, string key, string value)
    {
        var copy = labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels);
        copy[key] = value;
        return copy;
    }

    // A deep copy through the client's own serializer, so nothing is shared with the caller's object.
    private static T Copy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
