using System.Globalization;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Models.Health;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace OpsAutomation.Core.Health.Kubernetes;

/// <summary>
/// The Deployments, StatefulSets and DaemonSets of a namespace (and label selector): each one's
/// ready and available replicas against its desired count, and its pods (matched by the
/// workload's selector) in CrashLoopBackOff, ImagePullBackOff or restarted within the window.
/// One part per workload; no workload found is itself Unhealthy, since a selector that matches
/// nothing is most often a typo.
/// </summary>
internal sealed class KubernetesWorkloadProbe : IHealthProbe
{
    private static readonly HashSet<string> BrokenWaitingReasons = new(StringComparer.Ordinal)
    {
        "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "CreateContainerError", "InvalidImageName", "RunContainerError",
    };

    private readonly KubernetesClients _clients;
    private readonly TimeProvider _time;

    public KubernetesWorkloadProbe(KubernetesClients clients, TimeProvider time)
    {
        _clients = clients;
        _time = time;
    }

    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        var definition = check.Definition;
        if (KubernetesOutcomes.TryGetClient(_clients, definition, out var client) is { } unusable) return unusable;
        var ns = definition.Namespace;
        var selector = string.IsNullOrWhiteSpace(definition.LabelSelector) ? null : definition.LabelSelector;
        V1DeploymentList deployments;
        V1StatefulSetList statefulSets;
        V1DaemonSetList daemonSets;
        V1PodList pods;
        try
        {
            var deploymentsTask = client!.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: selector, cancellationToken: cancellationToken);
            var statefulSetsTask = client.AppsV1.ListNamespacedStatefulSetAsync(ns, labelSelector: selector, cancellationToken: cancellationToken);
            var daemonSetsTask = client.AppsV1.ListNamespacedDaemonSetAsync(ns, labelSelector: selector, cancellationToken: cancellationToken);
            var podsTask = client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken);
            deployments = await deploymentsTask.ConfigureAwait(false);
            statefulSets = await statefulSetsTask.ConfigureAwait(false);
            daemonSets = await daemonSetsTask.ConfigureAwait(false);
            pods = await podsTask.ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            return KubernetesOutcomes.FromApiError(ex, $"listing workloads in namespace {ns}");
        }
        catch (System.Text.Json.JsonException ex)
        {
            return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse,
                $"listing workloads in namespace {ns}: the API answer is not a Kubernetes list ({ex.Message})");
        }

        // A list without items is JSON of another shape: a proxy or another service answered.
        if (deployments?.Items is null || statefulSets?.Items is null || daemonSets?.Items is null || pods?.Items is null)
        {
            return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse,
                $"listing workloads in namespace {ns}: the API answer is not a Kubernetes list");
        }

        var since = _time.GetUtcNow() - definition.RestartWindow;
        var parts = new List<(string, ProbeOutcome)>();
        foreach (var d in deployments.Items)
        {
            parts.Add(($"deployment/{d.Metadata.Name}", Judge(d.Spec.Replicas ?? 1, d.Status?.ReadyReplicas ?? 0, d.Status?.AvailableReplicas ?? 0,
                d.Metadata.Generation, d.Status?.ObservedGeneration, PodsOf(pods, d.Spec.Selector), since,
                d.Status?.Conditions?.FirstOrDefault(c => c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded")?.Message)));
        }
        foreach (var s in statefulSets.Items)
        {
            parts.Add(($"statefulset/{s.Metadata.Name}", Judge(s.Spec.Replicas ?? 1, s.Status?.ReadyReplicas ?? 0, s.Status?.AvailableReplicas ?? s.Status?.ReadyReplicas ?? 0,
                s.Metadata.Generation, s.Status?.ObservedGeneration, PodsOf(pods, s.Spec.Selector), since, stalled: null)));
        }
        foreach (var ds in daemonSets.Items)
        {
            parts.Add(($"daemonset/{ds.Metadata.Name}", Judge(ds.Status?.DesiredNumberScheduled ?? 0, ds.Status?.NumberReady ?? 0, ds.Status?.NumberAvailable ?? 0,
                ds.Metadata.Generation, ds.Status?.ObservedGeneration, PodsOf(pods, ds.Spec.Selector), since, stalled: null)));
        }

        if (parts.Count == 0)
        {
            return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.Condition,
                $"no Deployment, StatefulSet or DaemonSet in namespace {ns}{(selector is null ? "" : $" matches '{selector}'")}");
        }
        var worst = parts.Select(p => p.Item2).MaxBy(o => o.Status)!;
        return worst with { Parts = parts };
    }

    private static ProbeOutcome Judge(int desired, int ready, int available, long? generation, long? observedGeneration, List<V1Pod> pods,
        DateTimeOffset restartsSince, string? stalled)
    {
        var details = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Desired"] = desired,
            ["Ready"] = ready,
            ["Available"] = available,
            ["Pods"] = pods.Count,
        };
        var broken = new List<string>();
        var restarted = new List<string>();
        foreach (var pod in pods)
        {
            foreach (var container in pod.Status?.ContainerStatuses ?? [])
            {
                if (container.State?.Waiting?.Reason is { } reason && BrokenWaitingReasons.Contains(reason))
                    broken.Add($"pod {pod.Metadata.Name} container {container.Name} is in {reason}");
                else if (container.LastState?.Terminated?.FinishedAt is { } finished && new DateTimeOffset(DateTime.SpecifyKind(finished, DateTimeKind.Utc)) >= restartsSince)
                    restarted.Add($"pod {pod.Metadata.Name} container {container.Name} restarted ({container.RestartCount} restarts, last {finished.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC)");
            }
        }
        if (broken.Count > 0) details["BrokenContainers"] = string.Join("; ", broken);
        if (restarted.Count > 0) details["RecentRestarts"] = string.Join("; ", restarted);
        var rollingOut = generation is { } g && observedGeneration is { } o && o < g;
        if (rollingOut) details["RolloutInProgress"] = true;

        var replicas = $"{available} of {desired} available, {ready} ready";
        if (stalled is not null)
            return Outcome(HealthStatus.Unhealthy, $"rollout stalled: {stalled} ({replicas})", details);
        if (desired > 0 && available == 0)
            return Outcome(HealthStatus.Unhealthy, $"no replica available ({replicas}){Join(broken)}", details);
        if (broken.Count > 0)
            return Outcome(HealthStatus.Unhealthy, $"{broken[0]}{(broken.Count > 1 ? $" (+{broken.Count - 1} more)" : "")} ({replicas})", details);
        if (available < desired || ready < desired)
            return Outcome(HealthStatus.Degraded, $"{replicas}{(rollingOut ? ", rollout in progress" : "")}", details);
        if (restarted.Count > 0)
            return Outcome(HealthStatus.Degraded, $"{restarted[0]}{(restarted.Count > 1 ? $" (+{restarted.Count - 1} more)" : "")}", details);
        return ProbeOutcome.Healthy() with { Details = details };
    }

    private static string Join(List<string> reasons) => reasons.Count == 0 ? "" : ": " + reasons[0];

    private static ProbeOutcome Outcome(HealthStatus status, string reason, Dictionary<string, object?> details) =>
        new(status, HealthErrorKind.ServiceState, reason) { Details = details };

    /// <summary>The pods a workload's selector matches, as the controller itself selects them.</summary>
    private static List<V1Pod> PodsOf(V1PodList pods, V1LabelSelector? selector)
    {
        if (selector is null) return [];
        return [.. pods.Items.Where(p => Matches(selector, p.Metadata.Labels ?? new Dictionary<string, string>()))];
    }

    private static bool Matches(V1LabelSelector selector, IDictionary<string, string> labels)
    {
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value) return false;
        }
        foreach (var expression in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(expression.Key, out var actual);
            var ok = expression.OperatorProperty switch
            {
                "In" => has && expression.Values.Contains(actual!),
                "NotIn" => !has || !expression.Values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        // An empty selector selects nothing for a workload (the API server rejects one).
        return (selector.MatchLabels?.Count ?? 0) + (selector.MatchExpressions?.Count ?? 0) > 0;
    }
}
