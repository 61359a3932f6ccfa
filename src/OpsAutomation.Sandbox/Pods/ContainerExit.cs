namespace OpsAutomation.Sandbox.Pods;

/// <summary>How a container's run ended: what the kubelet writes as state.terminated and lastState.terminated.</summary>
public sealed record ContainerExit(int ExitCode, string Reason, DateTimeOffset StartedAt, DateTimeOffset FinishedAt);
