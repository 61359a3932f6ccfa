using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Incidents.Runbooks.Actions;

/// <summary>The field manager of the changes runbooks make to a cluster.</summary>
internal static class RunbookKubernetes
{
    public const string FieldManager = "opsautomation-runbook";

    /// <summary>The Deployment an action names (Deployment, Namespace; the run's namespace by default).</summary>
    public static (string Name, string Namespace) Deployment(ConfigurationMap arguments, RunbookBinding binding) =>
        (binding.RequiredString(arguments, "Deployment"), binding.Text(arguments, "Namespace") is { Length: > 0 } ns ? ns.Trim() : binding.DefaultNamespace);

    /// <summary>Waits for the Deployment's rollout; one that does not complete fails the step with the watcher's message.</summary>
    public static async Task<string> WaitAsync(IKubernetes client, string name, string ns, TimeSpan timeout, RunbookActionContext context, CancellationToken cancellationToken)
    {
        var rollout = await new RolloutWatcher(client, context.Time).WaitAsync(new RolloutWaitOptions { Name = name, Namespace = ns, Timeout = timeout }, cancellationToken)
            .ConfigureAwait(false);
        return rollout.Succeeded ? $"rollout of revision {rollout.Revision} complete" : throw new RunbookActionException($"the rollout did not complete: {rollout.Message}");
    }

    public static TimeSpan Timeout(ConfigurationMap arguments, double fallbackSeconds) =>
        TimeSpan.FromSeconds(arguments.GetDouble("TimeoutSec", 1, 24 * 3600) ?? fallbackSeconds);
}

/// <summary>
/// RestartDeployment: what <c>kubectl rollout restart</c> does, a patch of the pod template's
/// <c>kubectl.kubernetes.io/restartedAt</c> annotation, so the controller replaces every pod.
/// Arguments: Deployment (required), Namespace, Wait (default false), TimeoutSec (default 300).
/// </summary>
public sealed class RestartDeploymentAction : IRunbookAction
{
    public const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

    public string Name => "RestartDeployment";

    public IReadOnlyList<string> Keys { get; } = ["Deployment", "Namespace", "Wait", "TimeoutSec"];

    public RunbookRateLimit DefaultRateLimit { get; } = new(3, TimeSpan.FromHours(1));

    public RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding)
    {
        var (name, ns) = RunbookKubernetes.Deployment(arguments, binding);
        return new Plan(name, ns, arguments.GetBool("Wait") ?? false, RunbookKubernetes.Timeout(arguments, 300));
    }

    private sealed class Plan(string name, string ns, bool wait, TimeSpan timeout) : RunbookActionPlan
    {
        public override string Target => $"deployment {ns}/{name}";

        public override string Description => "restart every pod (rollout restart)" + (wait ? " and wait for the rollout" : "");

        public override bool HighImpact => false;

        public override async Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken)
        {
            var client = context.Kubernetes();
            var at = context.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
            var patch = new JsonObject
            {
                ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RestartedAtAnnotation] = at } } } },
            };
            await DeploymentObjects.CallAsync($"restart deployment {ns}/{name}", () => client.AppsV1.PatchNamespacedDeploymentAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), name, ns, fieldManager: RunbookKubernetes.FieldManager,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            var message = $"restarted (restartedAt {at})";
            return wait ? $"{message}; {await RunbookKubernetes.WaitAsync(client, name, ns, timeout, context, cancellationToken).ConfigureAwait(false)}" : message;
        }
    }
}

/// <summary>
/// ScaleDeployment: sets the Deployment's replicas through its /scale subresource (as <c>kubectl scale</c>).
/// Arguments: Deployment (required), Replicas (required, 0 to 1000), Namespace. Scaling to 0 is high-impact.
/// </summary>
public sealed class ScaleDeploymentAction : IRunbookAction
{
    public string Name => "ScaleDeployment";

    public IReadOnlyList<string> Keys { get; } = ["Deployment", "Namespace", "Replicas"];

    public RunbookRateLimit DefaultRateLimit { get; } = new(5, TimeSpan.FromHours(1));

    public RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding)
    {
        var (name, ns) = RunbookKubernetes.Deployment(arguments, binding);
        var replicas = arguments.GetInt("Replicas", 0, 1000) ?? throw arguments.Error("is required: the number of replicas (0 to 1000)", "Replicas");
        return new Plan(name, ns, replicas);
    }

    private sealed class Plan(string name, string ns, int replicas) : RunbookActionPlan
    {
        public override string Target => $"deployment {ns}/{name}";

        public override string Description => $"scale to {replicas} replicas";

        public override bool HighImpact => replicas == 0;

        public override async Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken)
        {
            var client = context.Kubernetes();
            var before = await DeploymentObjects.ReadAsync(client, name, ns, cancellationToken).ConfigureAwait(false);
            var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } };
            await DeploymentObjects.CallAsync($"scale deployment {ns}/{name}", () => client.AppsV1.PatchNamespacedDeploymentScaleAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, fieldManager: RunbookKubernetes.FieldManager,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return $"scaled from {before.Spec.Replicas ?? 1} to {replicas} replicas";
        }
    }
}

/// <summary>
/// RollbackDeployment: <c>kubectl rollout undo</c> through the deployment engine (recorded in the
/// deployment history as strategy Undo). Arguments: Deployment (required), Namespace, ToRevision
/// (default 0, the previous), Wait (default true), TimeoutSec (default 300). High-impact.
/// </summary>
public sealed class RollbackDeploymentAction : IRunbookAction
{
    public string Name => "RollbackDeployment";

    public IReadOnlyList<string> Keys { get; } = ["Deployment", "Namespace", "ToRevision", "Wait", "TimeoutSec"];

    public RunbookRateLimit DefaultRateLimit { get; } = new(2, TimeSpan.FromHours(1));

    public RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding)
    {
        var (name, ns) = RunbookKubernetes.Deployment(arguments, binding);
        return new Plan(name, ns, arguments.GetLong("ToRevision", 0, long.MaxValue) ?? 0, arguments.GetBool("Wait") ?? true, RunbookKubernetes.Timeout(arguments, 300));
    }

    private sealed class Plan(string name, string ns, long toRevision, bool wait, TimeSpan timeout) : RunbookActionPlan
    {
        public override string Target => $"deployment {ns}/{name}";

        public override string Description => (toRevision > 0 ? $"roll back to revision {toRevision}" : "roll back to the previous revision") + (wait ? " and wait for the rollout" : "");

        public override bool HighImpact => true;

        public override async Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken)
        {
            DeploymentUndoResult result;
            try
            {
                result = await new DeploymentUndo(context.Kubernetes(), context.Time).UndoAsync(new DeploymentUndoOptions
                {
                    Name = name, Namespace = ns, ToRevision = toRevision, Records = context.DeploymentRecords, Context = context.KubernetesContext,
                    Wait = wait ? new RolloutWaitOptions { Name = name, Namespace = ns, Timeout = timeout } : null,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (DeploymentUndoException ex)
            {
                throw new RunbookActionException(ex.Message, ex);
            }
            if (result.Outcome == DeploymentUndoOutcome.Skipped) throw new RunbookActionException($"nothing to roll back: {result.Message}");
            var message = $"rolled back from revision {result.FromRevision} to revision {result.ToRevision} ({string.Join(", ", result.Images)})";
            if (result.Rollout is { } rollout)
            {
                if (!rollout.Succeeded) throw new RunbookActionException($"{message}, but the rollout did not complete: {rollout.Message}");
                message += $"; rollout of revision {rollout.Revision} complete";
            }
            return message;
        }
    }
}

/// <summary>
/// DeletePod: deletes a pod by name (Pod), or the failing pods of a Deployment (Deployment: those
/// with a container in CrashLoopBackOff, an image pull error or OOM-killed), at most MaxPods
/// (default 5). Arguments: Pod or Deployment (one of them), Namespace, MaxPods. High-impact.
/// </summary>
public sealed class DeletePodAction : IRunbookAction
{
    public string Name => "DeletePod";

    public IReadOnlyList<string> Keys { get; } = ["Pod", "Deployment", "Namespace", "MaxPods"];

    public RunbookRateLimit DefaultRateLimit { get; } = new(5, TimeSpan.FromHours(1));

    public RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding)
    {
        var pod = binding.Text(arguments, "Pod");
        var deployment = binding.Text(arguments, "Deployment");
        if (string.IsNullOrWhiteSpace(pod) == string.IsNullOrWhiteSpace(deployment))
            throw arguments.Error("give exactly one of Pod (a pod's name) or Deployment (its failing pods)", string.IsNullOrWhiteSpace(pod) ? "Pod" : "Deployment");
        var ns = binding.Text(arguments, "Namespace") is { Length: > 0 } given ? given.Trim() : binding.DefaultNamespace;
        return new Plan(pod?.Trim(), deployment?.Trim(), ns, arguments.GetInt("MaxPods", 1, 100) ?? 5);
    }

    private sealed class Plan(string? pod, string? deployment, string ns, int maxPods) : RunbookActionPlan
    {
        public override string Target => pod is not null ? $"pod {ns}/{pod}" : $"deployment {ns}/{deployment}";

        public override string Description => pod is not null ? "delete the pod" : $"delete its failing (crash-looping) pods, at most {maxPods}";

        public override bool HighImpact => true;

        public override async Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken)
        {
            var client = context.Kubernetes();
            List<string> names;
            if (pod is not null)
            {
                names = [pod];
            }
            else
            {
                var owner = await DeploymentObjects.ReadAsync(client, deployment!, ns, cancellationToken).ConfigureAwait(false);
                var pods = await DeploymentObjects.CallAsync($"list the pods of deployment {ns}/{deployment}", () => client.CoreV1.ListNamespacedPodAsync(ns,
                    labelSelector: DeploymentObjects.Selector(owner.Spec.Selector), cancellationToken: cancellationToken)).ConfigureAwait(false);
                names = [.. pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && PodFailures.Find([p]) is not null)
                    .Select(p => p.Metadata.Name).Order(StringComparer.Ordinal).Take(maxPods)];
                if (names.Count == 0) return "no failing pod to delete";
            }
            foreach (var name in names)
            {
                await DeploymentObjects.CallAsync($"delete pod {ns}/{name}", () => client.CoreV1.DeleteNamespacedPodAsync(name, ns, cancellationToken: cancellationToken))
                    .ConfigureAwait(false);
            }
            return $"deleted {(names.Count == 1 ? "pod" : $"{names.Count} pods")} {string.Join(", ", names)}";
        }
    }
}
