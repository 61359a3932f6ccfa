using k8s.Models;

namespace OpsAutomation.TestServers;

/// <summary>
/// Builds workload objects whose status reads as the controllers would write it. Counts that Go
/// marks omitempty are left out when zero, as the API server leaves them out.
/// </summary>
internal static class KubernetesObjects
{
    public static V1Deployment Deployment(V1ObjectMeta metadata, int replicas, int ready, int available, int updated, long observedGeneration, bool progressDeadlineExceeded)
    {
        var maxUnavailable = replicas / 4; // the default rolling update allows 25% unavailable, rounded down
        var now = metadata.CreationTimestamp;
        var complete = updated == replicas && available == replicas && observedGeneration >= (metadata.Generation ?? 1);
        return new V1Deployment
        {
            Metadata = metadata,
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = metadata.Labels },
                Template = Template(metadata),
                ProgressDeadlineSeconds = 600,
            },
            Status = new V1DeploymentStatus
            {
                ObservedGeneration = observedGeneration,
                Replicas = OmitZero(replicas),
                ReadyReplicas = OmitZero(ready),
                AvailableReplicas = OmitZero(available),
                UpdatedReplicas = OmitZero(updated),
                UnavailableReplicas = OmitZero(Math.Max(0, replicas - available)),
                Conditions =
                [
                    available >= replicas - maxUnavailable
                        ? Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now)
                        : Condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now),
                    progressDeadlineExceeded
                        ? Condition("Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{metadata.Name}-7d4b9c8f5\" has timed out progressing.", now)
                        : complete
                            ? Condition("Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{metadata.Name}-7d4b9c8f5\" has successfully progressed.", now)
                            : Condition("Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{metadata.Name}-7d4b9c8f5\" is progressing.", now),
                ],
            },
        };
    }

    public static V1StatefulSet StatefulSet(V1ObjectMeta metadata, int replicas, int ready, int available, int current, int updated, long observedGeneration) => new()
    {
        Metadata = metadata,
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = metadata.Name,
            Selector = new V1LabelSelector { MatchLabels = metadata.Labels },
            Template = Template(metadata),
        },
        Status = new V1StatefulSetStatus
        {
            ObservedGeneration = observedGeneration,
            Replicas = replicas,
            ReadyReplicas = OmitZero(ready),
            AvailableReplicas = available,
            CurrentReplicas = OmitZero(current),
            UpdatedReplicas = OmitZero(updated),
            CurrentRevision = $"{metadata.Name}-6c9f8d7b5",
            UpdateRevision = updated == replicas ? $"{metadata.Name}-6c9f8d7b5" : $"{metadata.Name}-5f7d6c8b9",
            CollisionCount = 0,
        },
    };

    public static V1DaemonSet DaemonSet(V1ObjectMeta metadata, int desired, int ready, int available, int updated, long observedGeneration) => new()
    {
        Metadata = metadata,
        Spec = new V1DaemonSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = metadata.Labels },
            Template = Template(metadata),
        },
        Status = new V1DaemonSetStatus
        {
            ObservedGeneration = observedGeneration,
            DesiredNumberScheduled = desired,
            CurrentNumberScheduled = desired,
            NumberMisscheduled = 0,
            NumberReady = ready,
            NumberAvailable = OmitZero(available),
            NumberUnavailable = OmitZero(Math.Max(0, desired - available)),
            UpdatedNumberScheduled = OmitZero(updated),
        },
    };

    public static V1Pod Pod(V1ObjectMeta metadata, string phase, IReadOnlyList<PodContainer> containers)
    {
        var started = metadata.CreationTimestamp ?? DateTime.UtcNow;
        var allReady = phase == "Running" && containers.All(c => c.IsReady);
        var ready = allReady ? "True" : "False";
        var notReady = string.Join(" ", containers.Where(c => !c.IsReady).Select(c => c.Name));
        return new V1Pod
        {
            Metadata = metadata,
            Spec = new V1PodSpec
            {
                Containers = [.. containers.Select(c => new V1Container { Name = c.Name, Image = Image(c.Name) })],
                RestartPolicy = "Always",
                NodeName = "node-1",
            },
            Status = new V1PodStatus
            {
                Phase = phase,
                HostIP = "10.0.0.11",
                PodIP = "10.244.1.17",
                StartTime = started,
                QosClass = "BestEffort",
                Conditions =
                [
                    PodCondition("Initialized", "True", null, started),
                    PodCondition("Ready", ready, allReady ? null : $"containers with unready status: [{notReady}]", started),
                    PodCondition("ContainersReady", ready, allReady ? null : $"containers with unready status: [{notReady}]", started),
                    PodCondition("PodScheduled", "True", null, started),
                ],
                ContainerStatuses = [.. containers.Select(c => ContainerStatus(c, started))],
            },
        };
    }

    private static V1ContainerStatus ContainerStatus(PodContainer container, DateTime started) => new()
    {
        Name = container.Name,
        Image = Image(container.Name),
        ImageID = $"docker-pullable://{Image(container.Name)}@sha256:4b1c0b7f1d5e0c8a9f3b2e6d7c8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a",
        ContainerID = container.WaitingReason is null ? $"containerd://{Guid.NewGuid():N}" : null,
        Ready = container.IsReady,
        Started = container.WaitingReason is null,
        RestartCount = container.RestartCount,
        State = container.WaitingReason is { } reason
            ? new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = container.WaitingMessage } }
            : new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = started } },
        LastState = container.LastTerminatedAt is { } finished
            ? new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = container.LastExitCode,
                    Reason = container.LastTerminatedReason,
                    StartedAt = finished.AddSeconds(-5),
                    FinishedAt = finished,
                    ContainerID = $"containerd://{Guid.NewGuid():N}",
                },
            }
            : new V1ContainerState(),
    };

    private static V1PodTemplateSpec Template(V1ObjectMeta metadata) => new()
    {
        Metadata = new V1ObjectMeta { Labels = metadata.Labels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = metadata.Name, Image = Image(metadata.Name) }] },
    };

    private static string Image(string name) => $"registry.local/{name}:1.0";

    private static int? OmitZero(int value) => value == 0 ? null : value;

    private static V1DeploymentCondition Condition(string type, string status, string reason, string message, DateTime? at) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastTransitionTime = at,
        LastUpdateTime = at,
    };

    private static V1PodCondition PodCondition(string type, string status, string? message, DateTime at) => new()
    {
        Type = type,
        Status = status,
        Reason = message is null ? null : "ContainersNotReady",
        Message = message,
        LastTransitionTime = at,
    };
}
