using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Strategies;

/// <summary>What a canary run is asked to do with the canary it finds (or makes).</summary>
public enum CanaryDecision
{
    /// <summary>Start a canary, or continue the one in progress from its last completed step.</summary>
    Continue,

    /// <summary>Skip the remaining steps of the canary in progress and promote it.</summary>
    Promote,

    /// <summary>Take the canary in progress away and restore stable.</summary>
    Abort,
}

/// <summary>A canary of <see cref="Desired"/> (the manifests' Deployment, with the new version) beside the Deployment running now.</summary>
public sealed record CanaryPlan
{
    public required V1Deployment Desired { get; init; }

    public required IReadOnlyList<CanaryStep> Steps { get; init; }

    /// <summary>Pods allowed over the desired count to come nearer a weight (0: the total never grows).</summary>
    public int MaxSurge { get; init; } = 1;

    /// <summary>Applies the manifests, so stable takes the canary's template: the promotion itself.</summary>
    public required Func<CancellationToken, Task> PromoteAsync { get; init; }

    /// <summary>The URL of the Service in front of both versions, for the analysis steps; null when there is none.</summary>
    public Uri? ServiceUrl { get; init; }

    public CanaryDecision Decision { get; init; } = CanaryDecision.Continue;
}

/// <summary>How a strategy run ended, why, and every step it took.</summary>
public sealed record StrategyRunResult(StrategyOutcome Outcome, string Reason, IReadOnlyList<StrategyStepResult> Steps);

/// <summary>
/// A canary with no controller in the cluster: a second Deployment (<c>name-canary</c>) behind
/// the same Service, scaled to each step's share of the pods while stable gives up as many, with
/// pauses and analysis between; then promote (stable takes the new template, the canary goes) or
/// abort (the canary goes, stable is scaled back). Its progress lives on the canary Deployment's
/// annotations (the version it runs, the last completed step, stable's own replica count), so a run
/// killed half-way is continued, promoted or aborted by the next one from the cluster alone.
/// </summary>
public sealed class CanaryRollout
{
    public const string TargetAnnotation = "deploy.opsautomation/target";
    public const string StepAnnotation = "deploy.opsautomation/step";
    public const string StableReplicasAnnotation = "deploy.opsautomation/stable-replicas";

    private readonly StrategyContext _context;
    private readonly List<StrategyStepResult> _steps = [];

    public CanaryRollout(StrategyContext context) => _context = context;

    public async Task<StrategyRunResult> RunAsync(CanaryPlan plan, CancellationToken cancellationToken)
    {
        var name = plan.Desired.Name();
        var ns = _context.Namespace;
        var stable = await ClusterObjects.GetDeploymentAsync(_context.Client, ns, name, cancellationToken).ConfigureAwait(false)
            ?? throw new StrategyException($"Deployment {ns}/{name} does not exist yet: a canary runs beside a stable version; deploy the first version with the RollingUpdate strategy");
        var target = TemplateHash(plan.Desired.Spec.Template);
        var canaryName = StrategyObjects.CanaryName(name);
        var canary = await ClusterObjects.GetDeploymentAsync(_context.Client, ns, canaryName, cancellationToken).ConfigureAwait(false);

        int replicas;
        int completed;
        if (canary is null)
        {
            switch (plan.Decision)
            {
                case CanaryDecision.Abort:
                    return Finish(StrategyOutcome.Unchanged, $"no canary of {ns}/{name} is in progress: nothing to abort");
                case CanaryDecision.Promote:
                    throw new StrategyException($"no canary of {ns}/{name} is in progress: nothing to promote");
            }
            // Stable's replicas are the strategy's own between steps: only the rest of the spec says whether this version runs.
            var asStable = KubernetesJson.Deserialize<V1Deployment>(KubernetesJson.Serialize(plan.Desired));
            asStable.Spec.Replicas = stable.Spec.Replicas;
            if (!await ClusterObjects.WouldChangeAsync(_context.Client, asStable, stable, _context.FieldManager, cancellationToken).ConfigureAwait(false))
                return Finish(StrategyOutcome.Unchanged, $"{ns}/{name} already runs this version");
            replicas = stable.Spec.Replicas ?? 1;
            completed = 0;
            var created = StrategyObjects.Canary(stable, plan.Desired.Spec.Template, replicas: 0);
            created.Metadata.Annotations[TargetAnnotation] = target;
            created.Metadata.Annotations[StepAnnotation] = "0";
            created.Metadata.Annotations[StableReplicasAnnotation] = replicas.ToString(CultureInfo.InvariantCulture);
            Confirm($"create Deployment {ns}/{canaryName} (0 pods) beside {name} for {Images(plan.Desired)}");
            await ClusterObjects.ApplyAsync(_context.Client, created, _context.FieldManager, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var annotations = canary.Metadata.Annotations ?? new Dictionary<string, string>();
            replicas = ReadInt(annotations, StableReplicasAnnotation, canary);
            completed = ReadInt(annotations, StepAnnotation, canary);
            if (plan.Decision != CanaryDecision.Abort && (!annotations.TryGetValue(TargetAnnotation, out var running) || running != target))
            {
                throw new StrategyException($"a canary of another version ({Images(canary)}) of {ns}/{name} is in progress at step {completed} of its steps: " +
                    "continue or promote it with the spec that started it, or abort it");
            }
        }

        if (plan.Decision == CanaryDecision.Abort) return await AbortAsync(name, replicas, "aborted on request", cancellationToken).ConfigureAwait(false);

        if (plan.Decision == CanaryDecision.Continue)
        {
            for (var index = completed; index < plan.Steps.Count; index++)
            {
                var failure = await TryStepAsync(plan, index, name, replicas, cancellationToken).ConfigureAwait(false);
                if (failure is not null) return await AbortAsync(name, replicas, failure, cancellationToken).ConfigureAwait(false);
                await MarkCompletedAsync(canaryName, index + 1, cancellationToken).ConfigureAwait(false);
            }
        }
        return await PromoteAsync(plan, name, replicas, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one step; null when it succeeded, else why the canary must be aborted.</summary>
    private async Task<string?> TryStepAsync(CanaryPlan plan, int index, string name, int replicas, CancellationToken cancellationToken)
    {
        var step = plan.Steps[index];
        var started = _context.Time.GetUtcNow();
        try
        {
            switch (step)
            {
                case SetWeightStep weight:
                    var split = CanaryReplicas.For(replicas, weight.Percent, plan.MaxSurge);
                    Confirm($"scale {_context.Namespace}/{StrategyObjects.CanaryName(name)} to {split.Canary} and {name} to {split.Stable} pods ({weight.Percent}% canary)");
                    await ClusterObjects.ScaleAsync(_context.Client, _context.Namespace, StrategyObjects.CanaryName(name), split.Canary, cancellationToken).ConfigureAwait(false);
                    await ClusterObjects.ScaleAsync(_context.Client, _context.Namespace, name, split.Stable, cancellationToken).ConfigureAwait(false);
                    await _context.WaitForRolloutAsync(StrategyObjects.CanaryName(name), cancellationToken).ConfigureAwait(false);
                    await _context.WaitForRolloutAsync(name, cancellationToken).ConfigureAwait(false);
                    var (canaryReady, stableReady) = await ReadyPodsAsync(name, cancellationToken).ConfigureAwait(false);
                    var achieved = CanaryReplicas.AchievedPercent(canaryReady, stableReady);
                    Record(index + 1, "SetWeight", $"canary {canaryReady} of {canaryReady + stableReady} ready pods ({achieved:0.#}%, asked {weight.Percent}%)",
                        true, started, weight.Percent, achieved);
                    return null;
                case PauseStep pause:
                    await Task.Delay(pause.Duration, _context.Time, cancellationToken).ConfigureAwait(false);
                    Record(index + 1, "Pause", step.Describe(), true, started);
                    return null;
                case AnalysisStep:
                    var verdict = await _context.AnalyzeAsync(new AnalysisRequest($"canary step {index + 1}", plan.ServiceUrl, StrategyObjects.CanaryName(name)), cancellationToken).ConfigureAwait(false);
                    Record(index + 1, "Analysis", verdict.Reason, verdict.Passed, started);
                    return verdict.Passed ? null : $"step {index + 1} (analysis) failed: {verdict.Reason}";
                default:
                    throw new StrategyException($"unknown canary step {step}");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StrategyDeclinedException and not StrategyException)
        {
            var reason = $"step {index + 1} ({step.Describe()}) failed: {ex.Message}";
            Record(index + 1, KindOf(step), reason, false, started);
            return reason;
        }
    }

    private async Task<StrategyRunResult> PromoteAsync(CanaryPlan plan, string name, int replicas, CancellationToken cancellationToken)
    {
        var started = _context.Time.GetUtcNow();
        Confirm($"promote: {_context.Namespace}/{name} takes {Images(plan.Desired)} at {replicas} pods, then {StrategyObjects.CanaryName(name)} is deleted");
        // Stable's replicas back to the manifests' count first, so the apply agrees with them instead of conflicting.
        await ClusterObjects.ScaleAsync(_context.Client, _context.Namespace, name, replicas, cancellationToken).ConfigureAwait(false);
        await plan.PromoteAsync(cancellationToken).ConfigureAwait(false);
        await _context.WaitForRolloutAsync(name, cancellationToken).ConfigureAwait(false);
        await ClusterObjects.DeleteDeploymentAsync(_context.Client, _context.Namespace, StrategyObjects.CanaryName(name), cancellationToken).ConfigureAwait(false);
        Record(0, "Promote", $"{name} runs {Images(plan.Desired)} on {replicas} pods; the canary is deleted", true, started);
        return Finish(StrategyOutcome.Promoted, $"promoted after {plan.Steps.Count} steps");
    }

    private async Task<StrategyRunResult> AbortAsync(string name, int replicas, string reason, CancellationToken cancellationToken)
    {
        var started = _context.Time.GetUtcNow();
        Confirm($"abort: delete {_context.Namespace}/{StrategyObjects.CanaryName(name)} and scale {name} back to {replicas} pods");
        await ClusterObjects.DeleteDeploymentAsync(_context.Client, _context.Namespace, StrategyObjects.CanaryName(name), cancellationToken).ConfigureAwait(false);
        await ClusterObjects.ScaleAsync(_context.Client, _context.Namespace, name, replicas, cancellationToken).ConfigureAwait(false);
        await _context.WaitForRolloutAsync(name, cancellationToken).ConfigureAwait(false);
        Record(0, "Abort", $"the canary is deleted; {name} runs {replicas} pods of the stable version", true, started);
        return Finish(StrategyOutcome.Aborted, reason);
    }

    private async Task<(int Canary, int Stable)> ReadyPodsAsync(string name, CancellationToken cancellationToken)
    {
        var canary = await ClusterObjects.GetDeploymentAsync(_context.Client, _context.Namespace, StrategyObjects.CanaryName(name), cancellationToken).ConfigureAwait(false);
        var stable = await ClusterObjects.GetDeploymentAsync(_context.Client, _context.Namespace, name, cancellationToken).ConfigureAwait(false);
        return (canary?.Status?.ReadyReplicas ?? 0, stable?.Status?.ReadyReplicas ?? 0);
    }

    private Task<V1Deployment> MarkCompletedAsync(string canaryName, int completed, CancellationToken cancellationToken)
    {
        var patch = JsonSerializer.Serialize(new { metadata = new { annotations = new Dictionary<string, string> { [StepAnnotation] = completed.ToString(CultureInfo.InvariantCulture) } } });
        return _context.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), canaryName, _context.Namespace,
            fieldManager: ClusterObjects.ScaleManager, cancellationToken: cancellationToken);
    }

    private void Confirm(string change)
    {
        if (!_context.Confirm(change)) throw new StrategyDeclinedException(change);
    }

    private void Record(int index, string kind, string description, bool succeeded, DateTimeOffset started, int? requested = null, double? achieved = null)
    {
        var step = new StrategyStepResult
        {
            Index = index, Kind = kind, Description = description, Succeeded = succeeded, RequestedWeight = requested, AchievedWeight = achieved,
            Started = started, Ended = _context.Time.GetUtcNow(),
        };
        _steps.Add(step);
        _context.StepCompleted(step);
    }

    private StrategyRunResult Finish(StrategyOutcome outcome, string reason) => new(outcome, reason, _steps.ToArray());

    private static string KindOf(CanaryStep step) => step switch
    {
        SetWeightStep => "SetWeight",
        PauseStep => "Pause",
        _ => "Analysis",
    };

    private static int ReadInt(IDictionary<string, string> annotations, string key, V1Deployment canary) =>
        annotations.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new StrategyException($"Deployment {canary.Namespace()}/{canary.Name()} has no valid {key} annotation ('{text}'): it was not made by a canary run, or was edited; delete it to start again");

    internal static string Images(V1Deployment deployment) =>
        string.Join(", ", deployment.Spec.Template.Spec.Containers.Select(c => $"{c.Name}={c.Image}"));

    /// <summary>A stable fingerprint of a pod template as the manifests give it, to know a canary's version without comparing server-defaulted objects.</summary>
    internal static string TemplateHash(V1PodTemplateSpec template) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(template))))[..16].ToLowerInvariant();
}

/// <summary>A strategy cannot go on as asked; the message says why and what to do.</summary>
public sealed class StrategyException(string message) : Exception(message);
