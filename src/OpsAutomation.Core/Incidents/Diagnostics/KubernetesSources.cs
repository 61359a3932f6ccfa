using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Deployment.Rollout;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;

namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>The Kubernetes workload a bundle looks at: a Deployment and the kubeconfig context it was read through.</summary>
public sealed record DiagnosticsWorkload(string Name, string Namespace, string? Context);

/// <summary>
/// Reads a Deployment and its pods (by the Deployment's selector), as each Kubernetes source does
/// for itself, so a source that fails does not take the others with it. Every env value whose name
/// says it is a secret (and every value given inline to a variable fed from a Secret's key name) is
/// added to the redactor: masked in every file of the bundle, logs included.
/// </summary>
internal static class WorkloadObjects
{
    public static async Task<(V1Deployment Deployment, IReadOnlyList<V1Pod> Pods)> ReadAsync(IKubernetes client, DiagnosticsWorkload workload, SecretRedactor redactor,
        CancellationToken cancellationToken)
    {
        var deployment = await DeploymentObjects.ReadAsync(client, workload.Name, workload.Namespace, cancellationToken).ConfigureAwait(false);
        var pods = await DeploymentObjects.CallAsync($"list the pods of deployment {workload.Namespace}/{workload.Name}",
            () => client.CoreV1.ListNamespacedPodAsync(workload.Namespace, labelSelector: DeploymentObjects.Selector(deployment.Spec.Selector),
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        var list = pods.Items.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        foreach (var env in list.SelectMany(p => Containers(p.Spec)).SelectMany(c => c.Env ?? []))
        {
            if (env.Value is { Length: > 0 } value && SecretRedactor.IsSensitiveName(env.Name)) redactor.AddSecret(value);
        }
        return (deployment, list);
    }

    public static IEnumerable<V1Container> Containers(V1PodSpec? spec) => (spec?.InitContainers ?? []).Concat(spec?.Containers ?? []);

    public static IEnumerable<V1ContainerStatus> Statuses(V1Pod pod) =>
        (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);

    /// <summary>Whether the container ran before its current instance: its previous log is worth reading.</summary>
    public static bool HasPrevious(V1ContainerStatus status) => status.RestartCount > 0 || status.LastState?.Terminated is not null;

    public static string Time(DateTime? time) => time is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    /// <summary>One line of a terminated state: reason, exit code, signal, message, when.</summary>
    public static string Terminated(V1ContainerStateTerminated terminated) => string.Create(CultureInfo.InvariantCulture,
        $"{terminated.Reason ?? "terminated"}, exit code {terminated.ExitCode}{(terminated.Signal is { } signal ? $", signal {signal}" : "")}"
        + $"{(string.IsNullOrEmpty(terminated.Message) ? "" : ": " + terminated.Message.Trim())}{(terminated.FinishedAt is { } finished ? " at " + Time(finished) : "")}");
}

/// <summary>
/// The Deployment's state and each pod's: phase, conditions, and per container its state, last
/// state (the last termination's reason and exit code), readiness, restarts and env (secret values
/// masked, Secret and ConfigMap references named), as Robusta's pod enrichment shows them.
/// </summary>
public sealed class PodStatusSource(IKubernetes client, DiagnosticsWorkload workload, SecretRedactor redactor) : IDiagnosticSource
{
    public string Name => "pod-status";

    public string FileName => "pod-status.json";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        var (deployment, pods) = await WorkloadObjects.ReadAsync(client, workload, redactor, cancellationToken).ConfigureAwait(false);
        var findings = new List<DiagnosticFinding>();
        foreach (var pod in pods)
        {
            foreach (var status in WorkloadObjects.Statuses(pod))
            {
                var where = $"pod {pod.Metadata.Name} container {status.Name}";
                var last = status.LastState?.Terminated;
                if (status.State?.Waiting is { Reason: { Length: > 0 } waiting } state && waiting != "ContainerCreating" && waiting != "PodInitializing")
                {
                    findings.Add(new DiagnosticFinding(DiagnosticSection.CrashReasons,
                        $"{where}: {waiting}{(string.IsNullOrEmpty(state.Message) ? "" : $" ({state.Message})")}{(last is null ? "" : "; last termination: " + WorkloadObjects.Terminated(last))}"));
                }
                else if (status.State?.Terminated is { } terminated && (terminated.ExitCode != 0 || terminated.Reason == PodFailures.OomKilled))
                {
                    findings.Add(new DiagnosticFinding(DiagnosticSection.CrashReasons, $"{where}: terminated: {WorkloadObjects.Terminated(terminated)}"));
                }
                else if (last?.Reason == PodFailures.OomKilled)
                {
                    findings.Add(new DiagnosticFinding(DiagnosticSection.CrashReasons, $"{where}: last termination: {WorkloadObjects.Terminated(last)}"));
                }
                if (status.RestartCount > 0)
                {
                    findings.Add(new DiagnosticFinding(DiagnosticSection.Restarts, string.Create(CultureInfo.InvariantCulture,
                        $"{where}: {status.RestartCount} restart{(status.RestartCount == 1 ? "" : "s")}{(last is null ? "" : "; last termination: " + WorkloadObjects.Terminated(last))}")));
                }
            }
            foreach (var condition in pod.Status?.Conditions ?? [])
            {
                if (condition.Status != "True" && condition.Type is "Ready" or "PodScheduled" && !string.IsNullOrEmpty(condition.Message))
                    findings.Add(new DiagnosticFinding(DiagnosticSection.CrashReasons, $"pod {pod.Metadata.Name}: {condition.Type} is {condition.Status}: {condition.Reason} {condition.Message}".TrimEnd()));
            }
        }
        var document = new
        {
            deployment = new
            {
                name = deployment.Metadata.Name,
                @namespace = deployment.Metadata.NamespaceProperty,
                revision = RolloutRules.Revision(deployment.Metadata),
                generation = deployment.Metadata.Generation,
                observedGeneration = deployment.Status?.ObservedGeneration,
                replicas = deployment.Spec?.Replicas,
                updated = deployment.Status?.UpdatedReplicas ?? 0,
                ready = deployment.Status?.ReadyReplicas ?? 0,
                available = deployment.Status?.AvailableReplicas ?? 0,
                unavailable = deployment.Status?.UnavailableReplicas ?? 0,
                images = DeploymentObjects.Images(deployment.Spec?.Template),
                conditions = (deployment.Status?.Conditions ?? []).Select(c => new
                {
                    type = c.Type, status = c.Status, reason = c.Reason, message = c.Message,
                    lastUpdate = WorkloadObjects.Time(c.LastUpdateTime), lastTransition = WorkloadObjects.Time(c.LastTransitionTime),
                }),
            },
            pods = pods.Select(Pod),
        };
        return new DiagnosticContent(DiagnosticJson.Serialize(document)) { Findings = findings };
    }

    private static object Pod(V1Pod pod)
    {
        var specs = WorkloadObjects.Containers(pod.Spec).ToDictionary(c => c.Name, StringComparer.Ordinal);
        return new
        {
            name = pod.Metadata.Name,
            phase = pod.Status?.Phase,
            reason = pod.Status?.Reason,
            message = pod.Status?.Message,
            node = pod.Spec?.NodeName,
            podIP = pod.Status?.PodIP,
            started = WorkloadObjects.Time(pod.Status?.StartTime),
            deleting = pod.Metadata.DeletionTimestamp is { } deleting ? WorkloadObjects.Time(deleting) : null,
            conditions = (pod.Status?.Conditions ?? []).Select(c => new
            {
                type = c.Type, status = c.Status, reason = c.Reason, message = c.Message, lastTransition = WorkloadObjects.Time(c.LastTransitionTime),
            }),
            containers = WorkloadObjects.Statuses(pod).Select(s => new
            {
                name = s.Name,
                image = s.Image,
                imageID = s.ImageID,
                ready = s.Ready,
                started = s.Started,
                restartCount = s.RestartCount,
                state = State(s.State),
                lastState = State(s.LastState),
                env = specs.TryGetValue(s.Name, out var spec) ? Env(spec) : null,
            }),
        };
    }

    private static object? State(V1ContainerState? state) => state switch
    {
        { Waiting: { } w } => new { waiting = new { reason = w.Reason, message = w.Message } },
        { Running: { } r } => new { running = new { startedAt = WorkloadObjects.Time(r.StartedAt) } },
        { Terminated: { } t } => new
        {
            terminated = new
            {
                reason = t.Reason, exitCode = t.ExitCode, signal = t.Signal, message = t.Message,
                startedAt = WorkloadObjects.Time(t.StartedAt), finishedAt = WorkloadObjects.Time(t.FinishedAt),
            },
        },
        _ => null,
    };

    /// <summary>The container's env by name: a value (masked when its name says secret), or where it comes from.</summary>
    private static Dictionary<string, string>? Env(V1Container container)
    {
        if (container.Env is not { Count: > 0 } variables) return null;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            env[variable.Name] = variable switch
            {
                { ValueFrom.SecretKeyRef: { } secret } => $"from secret {secret.Name} key {secret.Key}",
                { ValueFrom.ConfigMapKeyRef: { } map } => $"from configmap {map.Name} key {map.Key}",
                { ValueFrom.FieldRef: { } field } => $"from field {field.FieldPath}",
                { ValueFrom.ResourceFieldRef: { } resource } => $"from resource {resource.Resource}",
                _ when SecretRedactor.IsSensitiveName(variable.Name) && !string.IsNullOrEmpty(variable.Value) => SecretRedactor.Mask,
                _ => variable.Value ?? "",
            };
        }
        return env;
    }
}

/// <summary>
/// The events of the Deployment, its ReplicaSets and its pods, found by involvedObject field
/// selectors (as `kubectl describe` finds them), oldest first; the Warning ones go to the summary.
/// </summary>
public sealed class WorkloadEventsSource(IKubernetes client, DiagnosticsWorkload workload, SecretRedactor redactor) : IDiagnosticSource
{
    private const int WarningsShown = 10;

    public string Name => "events";

    public string FileName => "events.txt";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        var (deployment, pods) = await WorkloadObjects.ReadAsync(client, workload, redactor, cancellationToken).ConfigureAwait(false);
        var replicaSets = await DeploymentObjects.ReplicaSetsAsync(client, deployment, cancellationToken).ConfigureAwait(false);
        var objects = new List<(string Kind, string Name)> { ("Deployment", deployment.Metadata.Name) };
        objects.AddRange(replicaSets.Select(rs => ("ReplicaSet", rs.Metadata.Name)));
        objects.AddRange(pods.Select(p => ("Pod", p.Metadata.Name)));
        var lists = await Task.WhenAll(objects.Select(o => DeploymentObjects.CallAsync($"list the events of {o.Kind.ToLowerInvariant()} {workload.Namespace}/{o.Name}",
            () => client.CoreV1.ListNamespacedEventAsync(workload.Namespace,
                fieldSelector: $"involvedObject.kind={o.Kind},involvedObject.name={o.Name},involvedObject.namespace={workload.Namespace}",
                cancellationToken: cancellationToken)))).ConfigureAwait(false);
        var events = lists.SelectMany(l => l.Items)
            .GroupBy(e => e.Metadata.Uid ?? e.Metadata.Name).Select(g => g.First())
            .OrderBy(Last).ThenBy(e => e.Metadata.Name, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# events of deployment {workload.Namespace}/{workload.Name}, its {replicaSets.Count} replica sets and {pods.Count} pods, oldest first\n");
        foreach (var e in events) text.Append(Line(e)).Append('\n');
        if (events.Count == 0) text.Append("(no events)\n");
        var findings = events.Where(e => e.Type == "Warning").TakeLast(WarningsShown)
            .Select(e => new DiagnosticFinding(DiagnosticSection.Events, Line(e))).ToList();
        return new DiagnosticContent(text.ToString()) { Findings = findings };
    }

    private static DateTime Last(Corev1Event e) => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata.CreationTimestamp ?? DateTime.MinValue;

    private static string Line(Corev1Event e) => string.Create(CultureInfo.InvariantCulture,
        $"{WorkloadObjects.Time(Last(e))} {e.Type} {e.Reason} {e.InvolvedObject?.Kind?.ToLowerInvariant()}/{e.InvolvedObject?.Name}: {e.Message?.Trim()}{(e.Count is > 1 ? $" (x{e.Count})" : "")}");
}

/// <summary>
/// The last lines of each container's log, and of its previous instance when it restarted (as
/// Robusta's crash report: `kubectl logs --previous`), each read bounded by tail lines and bytes.
/// A container whose log cannot be read says why in the file; the source fails only when no log
/// could be read at all. The previous instance's last lines of a container that crashed (else the
/// current lines of one that is not ready) go to the summary.
/// </summary>
public sealed class PodLogsSource(IKubernetes client, DiagnosticsWorkload workload, SecretRedactor redactor, int tailLines, int maxBytes) : IDiagnosticSource
{
    private const int MaxLineLength = 2_000;
    private const int ContainersInSummary = 3;

    public string Name => "pod-logs";

    public string FileName => "pod-logs.txt";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        var (_, pods) = await WorkloadObjects.ReadAsync(client, workload, redactor, cancellationToken).ConfigureAwait(false);
        if (pods.Count == 0) throw new DiagnosticSkippedException($"deployment {workload.Namespace}/{workload.Name} has no pods");
        var reads = new List<(V1Pod Pod, V1ContainerStatus Status, bool Previous)>();
        foreach (var pod in pods)
        {
            foreach (var status in WorkloadObjects.Statuses(pod))
            {
                reads.Add((pod, status, false));
                if (WorkloadObjects.HasPrevious(status)) reads.Add((pod, status, true));
            }
        }
        if (reads.Count == 0) throw new DiagnosticSkippedException($"the pods of deployment {workload.Namespace}/{workload.Name} have no started containers");
        var logs = await Task.WhenAll(reads.Select(r => ReadAsync(r.Pod.Metadata.Name, r.Status.Name, r.Previous, cancellationToken))).ConfigureAwait(false);
        if (logs.All(l => l.Error is not null)) throw new InvalidOperationException($"no container log could be read: {logs[0].Error}");

        var text = new StringBuilder();
        var findings = new List<DiagnosticFinding>();
        for (var i = 0; i < reads.Count; i++)
        {
            var (pod, status, previous) = reads[i];
            var (lines, error) = logs[i];
            text.Append(CultureInfo.InvariantCulture, $"==== pod {pod.Metadata.Name} container {status.Name} ({(previous ? "previous instance, before the last restart" : "current instance")}); restarts {status.RestartCount}");
            if (previous && status.LastState?.Terminated is { } last) text.Append("; it ended: ").Append(WorkloadObjects.Terminated(last));
            text.Append(" ====\n");
            if (error is not null) text.Append("(could not read: ").Append(error).Append(")\n");
            else if (lines.Count == 0) text.Append("(empty)\n");
            foreach (var line in lines) text.Append(line).Append('\n');
            text.Append('\n');

            var crashed = previous || status.State?.Terminated is { ExitCode: not 0 };
            var unready = !previous && !status.Ready && !WorkloadObjects.HasPrevious(status);
            if (findings.Count < ContainersInSummary && lines.Count > 0 && (crashed || unready))
            {
                findings.Add(new DiagnosticFinding(DiagnosticSection.LastLogLines, previous
                    ? $"pod {pod.Metadata.Name} container {status.Name}, the instance before the last restart ({status.RestartCount} restarts)"
                    : $"pod {pod.Metadata.Name} container {status.Name} ({(status.State?.Terminated is not null ? "terminated" : "not ready")})") { Lines = lines });
            }
        }
        return new DiagnosticContent(text.ToString()) { Findings = findings };
    }

    private async Task<(IReadOnlyList<string> Lines, string? Error)> ReadAsync(string pod, string container, bool previous, CancellationToken cancellationToken)
    {
        try
        {
            return (await DeploymentObjects.CallAsync($"read the {(previous ? "previous " : "")}log of container {container} of pod {workload.Namespace}/{pod}",
                () => PodLogs.ReadTailAsync(client, workload.Namespace, pod, container, previous, tailLines, maxBytes, MaxLineLength, cancellationToken)).ConfigureAwait(false), null);
        }
        catch (DeploymentApiException ex)
        {
            return ([], ex.Message);
        }
    }
}

/// <summary>The Deployment's revisions as `kubectl rollout history` lists them, each joined with the module's record of the run that made it.</summary>
public sealed class RolloutHistorySource(IKubernetes client, DiagnosticsWorkload workload, DeploymentRecordStore? records, TimeProvider time) : IDiagnosticSource
{
    public string Name => "rollout-history";

    public string FileName => "rollout-history.json";

    public async Task<DiagnosticContent> CollectAsync(CancellationToken cancellationToken)
    {
        var revisions = await new DeploymentHistory(client, records, time).ReadAsync(workload.Name, workload.Namespace, workload.Context, cancellationToken).ConfigureAwait(false);
        var findings = revisions.TakeLast(2).Reverse().Select(r => new DiagnosticFinding(DiagnosticSection.RecentDeployments, string.Create(CultureInfo.InvariantCulture,
            $"revision {r.Revision}{(r.Current ? " (current)" : "")} of deployment {workload.Namespace}/{workload.Name}: {string.Join(", ", r.Images)}"
            + $"{(r.Created is { } created ? ", created " + HealthHistorySource.Time(created) : "")}, {r.ReadyReplicas}/{r.Replicas} ready{(r.ChangeCause is null ? "" : ", change-cause: " + r.ChangeCause)}"))).ToList();
        return new DiagnosticContent(DiagnosticJson.Serialize(revisions)) { Findings = findings };
    }
}
