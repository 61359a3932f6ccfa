using System.Text;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// Waits for a Deployment's rollout as `kubectl rollout status` does (<see cref="RolloutRules"/>), on a
/// watch of the Deployment and one of its pods (both relisting after 410 Expired), and ends early when
/// a pod of the new ReplicaSet will not come up (<see cref="PodFailures"/>), naming the pod, the
/// container, the reason, its restarts and its last log lines. A rollout that does not complete is a
/// result (its <see cref="RolloutResult.Status"/> says why); cancellation is a
/// <see cref="RolloutCancelledException"/> carrying the state the Deployment was left in, thrown as
/// soon as the token fires, whatever the watches are doing.
/// </summary>
public sealed class RolloutWatcher(IKubernetes client, TimeProvider? time = null)
{
    /// <summary>How long a failing container's logs may take to read before the failure is reported without them.</summary>
    private static readonly TimeSpan LogReadLimit = TimeSpan.FromSeconds(5);

    /// <summary>How long the watches get to close after the wait ends; they are left to finish on their own after that.</summary>
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>A watcher on the client of <paramref name="target"/>; a kubeconfig that cannot be used is a KubernetesConfigurationException.</summary>
    public RolloutWatcher(KubernetesClients clients, KubernetesTarget target, TimeProvider? time = null)
        : this((clients ?? throw new ArgumentNullException(nameof(clients))).Get(target), time)
    {
    }

    /// <summary>Waits until the rollout completes, fails, or <see cref="RolloutWaitOptions.Timeout"/> passes.</summary>
    /// <exception cref="RolloutCancelledException"><paramref name="cancellationToken"/> fired; the exception holds the state.</exception>
    /// <exception cref="DeploymentApiException">The API server refused (401, 403, a missing namespace) or cannot be reached.</exception>
    public async Task<RolloutResult> WaitAsync(RolloutWaitOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var timeout = options.Timeout is { } limit ? new CancellationTokenSource(limit, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var wait = new Wait(client, options, _time);
        try
        {
            return await wait.RunAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new RolloutCancelledException(wait.End(RolloutStatus.Cancelled, $"Stopped waiting for deployment {wait.Subject}"), cancellationToken);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return wait.End(RolloutStatus.TimedOut, $"Timed out after {Models.DurationText.Format(options.Timeout!.Value)} waiting for deployment {wait.Subject}");
        }
        finally
        {
            await wait.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One wait: the watches, what they last showed, and the verdict on each change.</summary>
    private sealed class Wait(IKubernetes client, RolloutWaitOptions options, TimeProvider time) : IDisposable
    {
        private readonly Channel<object> _changes = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _pumps = [];
        private readonly Dictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);
        private readonly long _started = time.GetTimestamp();
        private readonly RolloutSamples _history = new();
        private ResourceWatch<V1Deployment, V1DeploymentList>? _deploymentWatch;
        private ResourceWatch<V1Pod, V1PodList>? _podWatch;
        private V1Deployment? _deployment;
        private (long Generation, string? Revision, V1ReplicaSet? ReplicaSet)? _newReplicaSet;
        private RolloutProgress? _progress;
        private string _lastMessage = "Waiting for the deployment to be listed...";

        public string Subject => $"{options.Namespace}/{options.Name}";

        public async Task<RolloutResult> RunAsync(CancellationToken cancellationToken)
        {
            using var stopping = cancellationToken.Register(() => _stop.Cancel());
            _deploymentWatch = new ResourceWatch<V1Deployment, V1DeploymentList>(
                ct => client.AppsV1.ListNamespacedDeploymentAsync(options.Namespace, fieldSelector: NameSelector, cancellationToken: ct),
                (version, onError, ct) => client.AppsV1.WatchListNamespacedDeploymentAsync(options.Namespace, fieldSelector: NameSelector,
                    resourceVersion: version, timeoutSeconds: WatchSeconds, onError: onError, cancellationToken: ct),
                time);
            Pump(_deploymentWatch.RunAsync(_stop.Token), $"watch deployment {Subject}");
            while (true)
            {
                var change = await _changes.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (change is Exception failure) throw failure;
                Apply(change);
                if (_deployment is null)
                    return End(RolloutStatus.NotFound, $"deployment {Subject} {(_progress is null ? "does not exist" : "was deleted")}");
                if (_podWatch is null) StartPodWatch(_deployment);
                if (await EvaluateAsync(cancellationToken).ConfigureAwait(false) is { } result) return result;
            }
        }

        private string NameSelector => $"metadata.name={options.Name}";

        private int WatchSeconds => (int)Math.Ceiling(options.WatchTimeout.TotalSeconds);

        private void StartPodWatch(V1Deployment deployment)
        {
            var selector = DeploymentObjects.Selector(deployment.Spec.Selector);
            _podWatch = new ResourceWatch<V1Pod, V1PodList>(
                ct => client.CoreV1.ListNamespacedPodAsync(options.Namespace, labelSelector: selector, cancellationToken: ct),
                (version, onError, ct) => client.CoreV1.WatchListNamespacedPodAsync(options.Namespace, labelSelector: selector,
                    resourceVersion: version, timeoutSeconds: WatchSeconds, onError: onError, cancellationToken: ct),
                time);
            Pump(_podWatch.RunAsync(_stop.Token), $"watch the pods of deployment {Subject}");
        }

        /// <summary>Copies a watch's changes into the one queue the wait reads; its failure goes the same way, so nothing is lost.</summary>
        private void Pump<T>(IAsyncEnumerable<WatchChange<T>> changes, string what) => _pumps.Add(Task.Run(async () =>
        {
            try
            {
                await foreach (var change in changes.ConfigureAwait(false)) _changes.Writer.TryWrite(change);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The wait is over: nobody reads any more.
            }
            catch (Exception ex)
            {
                _changes.Writer.TryWrite(DeploymentObjects.Translate(what, ex) ?? ex);
            }
        }));

        private void Apply(object change)
        {
            switch (change)
            {
                case WatchChange<V1Deployment> { Snapshot: { } listed }:
                    _deployment = listed.Count > 0 ? listed[0] : null;
                    break;
                case WatchChange<V1Deployment> { Type: WatchEventType.Deleted }:
                    _deployment = null;
                    break;
                case WatchChange<V1Deployment> { Object: { } deployment }:
                    _deployment = deployment;
                    break;
                case WatchChange<V1Pod> { Snapshot: { } pods }:
                    _pods.Clear();
                    foreach (var pod in pods) _pods[pod.Metadata.Name] = pod;
                    break;
                case WatchChange<V1Pod> { Type: WatchEventType.Deleted, Object: { } pod }:
                    _pods.Remove(pod.Metadata.Name);
                    break;
                case WatchChange<V1Pod> { Object: { } pod }:
                    _pods[pod.Metadata.Name] = pod;
                    break;
            }
        }

        private async Task<RolloutResult?> EvaluateAsync(CancellationToken cancellationToken)
        {
            var deployment = _deployment!;
            var verdict = RolloutRules.Evaluate(deployment, options.Revision);
            _lastMessage = verdict.Message;
            Report(RolloutRules.Progress(deployment, verdict.Message, time.GetUtcNow()));
            if (verdict.Done) return End(RolloutStatus.Complete, verdict.Message);
            if (verdict.Failure is { } failure) return End(failure, verdict.Message);
            if (!options.FailFast || (deployment.Metadata.Generation ?? 0) > (deployment.Status?.ObservedGeneration ?? 0)) return null;
            var newReplicaSet = await NewReplicaSetAsync(deployment, cancellationToken).ConfigureAwait(false);
            if (newReplicaSet is null) return null;
            var pods = _pods.Values.Where(p => p.Metadata.OwnerReferences?.Any(o => o.Uid == newReplicaSet.Metadata.Uid) == true);
            if (PodFailures.Find(pods) is not { } failing) return null;
            var podFailure = await DescribeAsync(failing, cancellationToken).ConfigureAwait(false);
            var message = new StringBuilder($"deployment \"{options.Name}\" cannot roll out: {podFailure}");
            if (podFailure.LogLines.Count > 0)
            {
                message.Append("; its last log lines").Append(failing.ReadPrevious ? " (before the restart)" : "").Append(':');
                foreach (var line in podFailure.LogLines) message.Append("\n  ").Append(line);
            }
            return End(RolloutStatus.PodFailed, message.ToString()) with { PodFailure = podFailure };
        }

        /// <summary>The new ReplicaSet, listed again only when the Deployment's generation or revision changes (or it was not made yet).</summary>
        private async Task<V1ReplicaSet?> NewReplicaSetAsync(V1Deployment deployment, CancellationToken cancellationToken)
        {
            var generation = deployment.Metadata.Generation ?? 0;
            string? revision = null;
            deployment.Metadata.Annotations?.TryGetValue(RolloutRules.RevisionAnnotation, out revision);
            if (_newReplicaSet is { } known && known.Generation == generation && known.Revision == revision && known.ReplicaSet is not null)
                return known.ReplicaSet;
            var replicaSets = await DeploymentObjects.ReplicaSetsAsync(client, deployment, cancellationToken).ConfigureAwait(false);
            var found = DeploymentObjects.NewReplicaSet(deployment, replicaSets);
            _newReplicaSet = (generation, revision, found);
            return found;
        }

        private async Task<PodFailure> DescribeAsync(FailingContainer failing, CancellationToken cancellationToken)
        {
            var failure = new PodFailure
            {
                Pod = failing.Pod.Metadata.Name,
                Container = failing.Status.Name,
                Reason = failing.Reason,
                Message = failing.Message,
                Restarts = failing.Status.RestartCount,
                ExitCode = failing.ExitCode,
            };
            if (options.LogLines == 0 || !failing.Ran) return failure;
            using var limit = new CancellationTokenSource(LogReadLimit, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            var what = $"read the log of container {failure.Container} of pod {options.Namespace}/{failure.Pod}";
            try
            {
                return failure with { LogLines = await DeploymentObjects.CallAsync(what, () => ReadLogAsync(failure.Pod, failure.Container, failing.ReadPrevious, linked.Token)).ConfigureAwait(false) };
            }
            catch (DeploymentApiException ex) when (failing.ReadPrevious && ex.StatusCode == 400)
            {
                // No previous run kept (the status was written between the exit and the first restart): the run that ended is the current one.
                try
                {
                    return failure with { LogLines = await DeploymentObjects.CallAsync(what, () => ReadLogAsync(failure.Pod, failure.Container, false, linked.Token)).ConfigureAwait(false) };
                }
                catch (DeploymentApiException current)
                {
                    return failure with { LogError = $"{ex.Message}; {current.Message}" };
                }
            }
            catch (DeploymentApiException ex)
            {
                return failure with { LogError = ex.Message };
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return failure with { LogError = $"the log of container {failure.Container} of pod {failure.Pod} took over {LogReadLimit.TotalSeconds:0} s to read" };
            }
        }

        /// <summary>The container's last lines, at most LogLines of them and LogBytes in all, each cut at MaxLogLineLength characters.</summary>
        private Task<IReadOnlyList<string>> ReadLogAsync(string pod, string container, bool previous, CancellationToken cancellationToken) =>
            PodLogs.ReadTailAsync(client, options.Namespace, pod, container, previous, options.LogLines, options.LogBytes, RolloutWaitOptions.MaxLogLineLength, cancellationToken);

        private void Report(RolloutProgress progress)
        {
            var changed = _progress is null || _progress with { Timestamp = progress.Timestamp } != progress;
            _progress = progress;
            _history.Add(RolloutSample.From(progress));
            if (changed) options.Progress?.Report(progress);
        }

        /// <summary>The result with the last state seen; for a stop, <paramref name="message"/> is followed by where the Deployment was left.</summary>
        public RolloutResult End(RolloutStatus status, string message)
        {
            var state = _progress ?? new RolloutProgress { Name = options.Name, Namespace = options.Namespace, Message = _lastMessage, Timestamp = time.GetUtcNow() };
            if (status is RolloutStatus.Cancelled or RolloutStatus.TimedOut)
                message += _progress is null ? $"; it was not seen yet ({_lastMessage})" : $"; it was left at {state.Summary} ({_lastMessage.TrimEnd('.')})";
            return new RolloutResult
            {
                Name = options.Name,
                Namespace = options.Namespace,
                Status = status,
                Revision = options.Revision > 0 ? options.Revision : state.Revision,
                State = state,
                Message = message,
                History = _history.ToList(),
                Relists = (_deploymentWatch?.Relists ?? 0) + (_podWatch?.Relists ?? 0),
                Duration = time.GetElapsedTime(_started),
                Timestamp = time.GetUtcNow(),
            };
        }

        /// <summary>Ends the watches and gives them <see cref="StopLimit"/> to close their connections.</summary>
        public async Task StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            _changes.Writer.TryComplete();
            try
            {
                await Task.WhenAll(_pumps).WaitAsync(StopLimit, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A watch still closing ends by itself; its pump catches everything it could throw.
            }
        }

        public void Dispose() => _stop.Dispose();
    }
}
