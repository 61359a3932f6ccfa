using k8s.Models;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// The container states that will not fix themselves soon enough to wait for: a crash loop, an image
/// that cannot be pulled or is not a valid name, a configuration or container that cannot be made (a
/// missing Secret or ConfigMap key), and an OOM kill (the last termination's reason).
/// </summary>
internal static class PodFailures
{
    public static readonly IReadOnlySet<string> WaitingReasons =
        new HashSet<string>(["CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"],
            StringComparer.Ordinal);

    public const string OomKilled = "OOMKilled";

    /// <summary>A failing container of one of <paramref name="pods"/> (pods in name order, init containers first); null when none fails.</summary>
    public static FailingContainer? Find(IEnumerable<V1Pod> pods)
    {
        foreach (var pod in pods.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);
            foreach (var container in statuses)
            {
                if (Reason(container) is { } reason) return new FailingContainer(pod, container, reason.Reason, reason.Message);
            }
        }
        return null;
    }

    private static (string Reason, string? Message)? Reason(V1ContainerStatus container)
    {
        if (container.LastState?.Terminated?.Reason == OomKilled || container.State?.Terminated?.Reason == OomKilled)
            return (OomKilled, (container.State?.Terminated ?? container.LastState?.Terminated)?.Message);
        if (container.State?.Waiting is { Reason: { } waiting } state && WaitingReasons.Contains(waiting))
            return (waiting, string.IsNullOrEmpty(state.Message) ? null : state.Message);
        return null;
    }
}

/// <summary>A container that will not come up, and why.</summary>
internal sealed record FailingContainer(V1Pod Pod, V1ContainerStatus Status, string Reason, string? Message)
{
    /// <summary>Whether the container ever ran, so it has log lines.</summary>
    public bool Ran => Status.RestartCount > 0 || Status.State?.Terminated is not null || Status.State?.Running is not null || Status.LastState?.Terminated is not null;

    /// <summary>
    /// Whether the lines wanted are the previous run's (`kubectl logs --previous`): those of the run that
    /// ended, when the container waits to restart or runs again; a container that has just ended is read as it is.
    /// </summary>
    public bool ReadPrevious => Status.State?.Terminated is null && (Status.LastState?.Terminated is not null || Status.RestartCount > 0);

    public int? ExitCode => (Status.State?.Terminated ?? Status.LastState?.Terminated)?.ExitCode;
}
