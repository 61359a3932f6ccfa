using k8s;

namespace OpsAutomation.Core.Deployment.Strategies;

/// <summary>
/// What a strategy needs from the rest of a deployment, given by the orchestrator: the cluster,
/// the clock, waiting for a Deployment's rollout, running the analysis gates, and asking before
/// each change (ShouldProcess, on the pipeline thread). A strategy owns only the order of moves.
/// </summary>
public sealed class StrategyContext
{
    public required IKubernetes Client { get; init; }

    public required string Namespace { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>Waits until the named Deployment has rolled out; throws (with the reason) when it cannot.</summary>
    public required Func<string, CancellationToken, Task> WaitForRolloutAsync { get; init; }

    /// <summary>Runs the analysis gates of one stage, against a Service URL when there is one.</summary>
    public required Func<AnalysisRequest, CancellationToken, Task<AnalysisVerdict>> AnalyzeAsync { get; init; }

    /// <summary>Asked before every change to the cluster with what it will do; false skips the change (and the run stops there).</summary>
    public Func<string, bool> Confirm { get; init; } = _ => true;

    /// <summary>Told of each step as it ends, for progress and the deployment record.</summary>
    public Action<Models.Deployment.StrategyStepResult> StepCompleted { get; init; } = _ => { };

    /// <summary>The field manager of every change a strategy makes.</summary>
    public string FieldManager { get; init; } = ClusterObjects.FieldManager;
}

/// <summary>One analysis the strategy asks for: which stage (for the records), the URL of the Service that reaches the version under test, and the Deployment that runs it.</summary>
public sealed record AnalysisRequest(string Stage, Uri? ServiceUrl, string Deployment);

/// <summary>The analysis's answer: passed, or why not (which gate, which value, which threshold).</summary>
public sealed record AnalysisVerdict(bool Passed, string Reason)
{
    public static AnalysisVerdict Pass(string reason = "no gates") => new(true, reason);
}

/// <summary>The user declined a change (-WhatIf, or No at a -Confirm prompt): the strategy stops with nothing more changed.</summary>
public sealed class StrategyDeclinedException(string change) : Exception($"Stopped before: {change}")
{
    public string Change { get; } = change;
}
