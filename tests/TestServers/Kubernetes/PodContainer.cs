namespace OpsAutomation.TestServers;

/// <summary>One container of a pod added to <see cref="KubernetesApiStandIn"/>, as its status reports it.</summary>
public sealed record PodContainer(string Name)
{
    /// <summary>Ignored (false) while <see cref="WaitingReason"/> is set.</summary>
    public bool Ready { get; init; } = true;

    public int RestartCount { get; init; }

    /// <summary>When set the container is waiting, e.g. CrashLoopBackOff, ImagePullBackOff, ErrImagePull; otherwise running.</summary>
    public string? WaitingReason { get; init; }

    public string? WaitingMessage { get; init; }

    /// <summary>When set, lastState.terminated finished at this time with <see cref="LastTerminatedReason"/> and <see cref="LastExitCode"/>.</summary>
    public DateTime? LastTerminatedAt { get; init; }

    public string LastTerminatedReason { get; init; } = "Error";

    public int LastExitCode { get; init; } = 1;

    internal bool IsReady => WaitingReason is null && Ready;
}
