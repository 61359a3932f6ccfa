using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OpsAutomation.Core.Health.Kubernetes;
using OpsAutomation.Core.Health.Services;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Health;

/// <summary>
/// Runs checks concurrently under a throttle and streams each result as it completes. Each
/// check goes through its target's resilience pipeline (retries with backoff, per-attempt
/// timeout); a failing target is a result, never an exception.
/// </summary>
internal sealed class HealthCheckRunner
{
    private readonly IReadOnlyDictionary<HealthCheckKind, IHealthProbe> _probes;
    private readonly ResiliencePipelineProvider _pipelines;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retryBaseDelay;
    private readonly Func<CancellationToken, Task<CircuitBreakerStore>>? _circuits;
    private readonly bool _ignoreCircuit;
    private readonly Action<StateStoreException>? _storeFailed;
    private int _circuitsFailed;

    /// <param name="circuits">Opens the persisted circuit breakers on first use; null when circuits are not kept.</param>
    /// <param name="storeFailed">Told when the circuit state cannot be read or saved; the checks go on without circuits.</param>
    /// <param name="ignoreCircuit">Probe even where a circuit is open; the result still updates the circuit.</param>
    public HealthCheckRunner(HttpClientProvider http, ResiliencePipelineProvider pipelines, TimeProvider time, KubernetesClients kubernetes,
        Func<CancellationToken, Task<CircuitBreakerStore>>? circuits = null, Action<StateStoreException>? storeFailed = null, bool ignoreCircuit = false)
        : this(StandardProbes(http, time, kubernetes), pipelines, time, circuits: circuits, storeFailed: storeFailed, ignoreCircuit: ignoreCircuit)
    {
    }

    internal HealthCheckRunner(IReadOnlyDictionary<HealthCheckKind, IHealthProbe> probes, ResiliencePipelineProvider pipelines, TimeProvider time,
        TimeSpan? retryBaseDelay = null, Func<CancellationToken, Task<CircuitBreakerStore>>? circuits = null, Action<StateStoreException>? storeFailed = null,
        bool ignoreCircuit = false)
    {
        _ignoreCircuit = ignoreCircuit;
        _probes = probes;
        _pipelines = pipelines;
        _time = time;
        _retryBaseDelay = retryBaseDelay ?? new ResilienceOptions().BaseDelay;
        _circuits = circuits;
        _storeFailed = storeFailed;
    }

    private static Dictionary<HealthCheckKind, IHealthProbe> StandardProbes(HttpClientProvider http, TimeProvider time, KubernetesClients kubernetes)
    {
        var readiness = new ReadinessProbe(http, time);
        return new Dictionary<HealthCheckKind, IHealthProbe>
        {
            [HealthCheckKind.Http] = new HttpHealthProbe(http, time),
            [HealthCheckKind.Tcp] = new TcpHealthProbe(),
            [HealthCheckKind.Dns] = new DnsHealthProbe(),
            [HealthCheckKind.Elasticsearch] = new ElasticsearchProbe(http, time),
            [HealthCheckKind.Kibana] = new KibanaProbe(http, time),
            [HealthCheckKind.Grafana] = new GrafanaProbe(http, time),
            [HealthCheckKind.Prometheus] = readiness,
            [HealthCheckKind.Alertmanager] = readiness,
            [HealthCheckKind.Pushgateway] = readiness,
            [HealthCheckKind.Kubernetes] = new KubernetesApiProbe(kubernetes),
            [HealthCheckKind.KubernetesWorkload] = new KubernetesWorkloadProbe(kubernetes, time),
        };
    }

    /// <summary>Checks everything <paramref name="checks"/> yields, at most <paramref name="throttleLimit"/> at once, yielding results in completion order.</summary>
    public async IAsyncEnumerable<HealthCheckResult> RunAsync(IAsyncEnumerable<PreparedCheck> checks, string runId, int throttleLimit, SecretRedactor redactor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Bounded: checks wait for a reader that is slower than they are, instead of piling up results.
        var results = Channel.CreateBounded<HealthCheckResult>(new BoundedChannelOptions(throttleLimit) { SingleReader = true });
        using var abandoned = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(checks, new ParallelOptions { MaxDegreeOfParallelism = throttleLimit, CancellationToken = abandoned.Token },
                    async (check, token) =>
                    {
                        foreach (var result in await CheckAsync(check, runId, redactor, token).ConfigureAwait(false))
                            await results.Writer.WriteAsync(result, token).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                results.Writer.Complete();
            }
            catch (Exception ex)
            {
                results.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var result in results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return result;
            await producer.ConfigureAwait(false);
            // ReadAllAsync ends quietly on a faulted channel; Completion rethrows the producer's failure.
            await results.Reader.Completion.ConfigureAwait(false);
        }
        finally
        {
            // A reader that stops early (a failure downstream) must not leave checks waiting to hand over results.
            await abandoned.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One result per check, or one per part for a check of several objects.</summary>
    public async Task<IReadOnlyList<HealthCheckResult>> CheckAsync(PreparedCheck check, string runId, SecretRedactor redactor, CancellationToken cancellationToken)
    {
        if (check.ConfigurationError is { } unusable) return [Unprobed(check, runId, HealthStatus.Unhealthy, HealthErrorKind.Configuration, unusable)];
        var result = await CheckThroughCircuitAsync(check, runId, redactor, cancellationToken).ConfigureAwait(false);
        if (result.Parts is not { } parts) return [result.Result];
        return [.. parts.Select(part => ToResult(check, runId, redactor, part.Outcome, result.Result.ResponseTime, result.Result.Attempts, part.Outcome.Status) with
        {
            Name = $"{check.Definition.Name}/{part.Name}",
        })];
    }

    private async Task<(HealthCheckResult Result, IReadOnlyList<(string Name, ProbeOutcome Outcome)>? Parts)> CheckThroughCircuitAsync(PreparedCheck check,
        string runId, SecretRedactor redactor, CancellationToken cancellationToken)
    {
        var definition = check.Definition;
        if (definition.CircuitBreakerThreshold <= 0 || _circuits is null || Volatile.Read(ref _circuitsFailed) != 0)
            return await ProbeAsync(check, runId, redactor, cancellationToken).ConfigureAwait(false);

        var key = CircuitKey(check);
        // The trial belongs to this run for as long as its attempts could take, then lapses to another run.
        var lease = definition.Timeout * (definition.RetryCount + 1) + TimeSpan.FromSeconds(30);
        CircuitBreakerStore circuits;
        try
        {
            circuits = await _circuits(cancellationToken).ConfigureAwait(false);
            if (!_ignoreCircuit)
            {
                var decision = await circuits.EnterAsync(key, runId, _time.GetUtcNow(), lease, cancellationToken).ConfigureAwait(false);
                if (!decision.Allowed)
                    return (CircuitOpenResult(check, runId, decision), null);
            }
        }
        catch (StateStoreException ex)
        {
            CircuitsFailed(ex);
            return await ProbeAsync(check, runId, redactor, cancellationToken).ConfigureAwait(false);
        }

        var (result, parts) = await ProbeAsync(check, runId, redactor, cancellationToken).ConfigureAwait(false);
        try
        {
            if (result.Status is HealthStatus.Healthy or HealthStatus.Degraded)
            {
                await circuits.RecordSuccessAsync(key, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                return (result, parts);
            }
            return (await RecordFailureAsync(circuits, key, definition, result).ConfigureAwait(false), parts);
        }
        catch (StateStoreException ex)
        {
            // The check happened: its result stands, only its circuit could not be updated.
            CircuitsFailed(ex);
            return (result, parts);
        }
    }

    /// <summary>The first failure of the circuit state is reported; the rest of the run checks without circuits rather than wait on a failing store again.</summary>
    private void CircuitsFailed(StateStoreException exception)
    {
        if (Interlocked.Exchange(ref _circuitsFailed, 1) == 0) _storeFailed?.Invoke(exception);
    }

    private async Task<HealthCheckResult> RecordFailureAsync(CircuitBreakerStore circuits, string key, HealthCheckDefinition definition, HealthCheckResult result)
    {
        var (state, failures, nextProbe) = await circuits.RecordFailureAsync(key, definition.CircuitBreakerThreshold, definition.CircuitBreakerCooldown,
            _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        var details = new Dictionary<string, object?>(result.Details, StringComparer.OrdinalIgnoreCase)
        {
            ["CircuitState"] = state.ToString(),
            ["ConsecutiveFailures"] = failures,
        };
        return result with { NextProbeAt = nextProbe, Details = details };
    }

    /// <summary>
    /// The circuit of a service: its name and what is probed, so a changed target starts afresh.
    /// The target is the redacted one: a key is stored, and a stored key never holds a credential.
    /// </summary>
    internal static string CircuitKey(PreparedCheck check) => $"health:{check.Definition.Name}:{check.Definition.Kind}:{check.DisplayTarget}";

    private HealthCheckResult CircuitOpenResult(PreparedCheck check, string runId, CircuitDecision decision)
    {
        var until = decision.BlockedUntil!.Value;
        return Unprobed(check, runId, HealthStatus.CircuitOpen, HealthErrorKind.CircuitOpen, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"not probed: the circuit is open after {decision.ConsecutiveFailures} consecutive failures; next probe at {until.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC")) with
        {
            NextProbeAt = until,
            Details = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            {
                ["CircuitState"] = nameof(CircuitState.Open),
                ["ConsecutiveFailures"] = decision.ConsecutiveFailures,
            },
        };
    }

    /// <summary>The result of a check that was not probed, and why.</summary>
    private HealthCheckResult Unprobed(PreparedCheck check, string runId, HealthStatus status, HealthErrorKind errorKind, string error)
    {
        var definition = check.Definition;
        return new HealthCheckResult
        {
            Name = definition.Name,
            Kind = definition.Kind,
            Target = check.DisplayTarget,
            Status = status,
            FirstAttemptStatus = status,
            Attempts = 0,
            ErrorKind = errorKind,
            Error = error,
            RunId = runId,
            Timestamp = _time.GetUtcNow(),
            Severity = definition.Severity,
            Owner = definition.Owner,
            Tags = definition.Tags,
        };
    }

    private async Task<(HealthCheckResult Result, IReadOnlyList<(string Name, ProbeOutcome Outcome)>? Parts)> ProbeAsync(PreparedCheck check, string runId,
        SecretRedactor redactor, CancellationToken cancellationToken)
    {
        var definition = check.Definition;
        var probe = _probes[definition.Kind];
        var options = new ResilienceOptions { RetryCount = definition.RetryCount, AttemptTimeout = definition.Timeout, BaseDelay = _retryBaseDelay };
        var pipeline = _pipelines.Get<ProbeOutcome>($"health:{definition.Name}:{definition.Kind}:{definition.Target}", options,
            outcome => outcome.Exception is not null || outcome.Result!.IsFailure);

        var attempts = 0;
        HealthStatus? firstStatus = null;
        var elapsed = TimeSpan.Zero;
        var outcome = await pipeline.ExecuteAsync(async attemptToken =>
        {
            attempts++;
            var started = _time.GetTimestamp();
            var result = await AttemptAsync(probe, check, attemptToken, cancellationToken).ConfigureAwait(false);
            elapsed = _time.GetElapsedTime(started);
            if (result.Status == HealthStatus.Healthy && definition.MaxResponseTime is { } limit && elapsed > limit)
            {
                result = result with
                {
                    Status = HealthStatus.Degraded,
                    ErrorKind = HealthErrorKind.SlowResponse,
                    Error = $"answered in {elapsed.TotalMilliseconds:0} ms, over the {limit.TotalMilliseconds:0} ms limit",
                };
            }
            firstStatus ??= result.Status;
            return result;
        }, cancellationToken).ConfigureAwait(false);

        return (ToResult(check, runId, redactor, outcome, elapsed, attempts, firstStatus ?? outcome.Status), outcome.Parts);
    }

    private HealthCheckResult ToResult(PreparedCheck check, string runId, SecretRedactor redactor, ProbeOutcome outcome, TimeSpan elapsed, int attempts,
        HealthStatus firstStatus)
    {
        var definition = check.Definition;
        return new HealthCheckResult
        {
            Name = definition.Name,
            Kind = definition.Kind,
            Target = check.DisplayTarget,
            Status = outcome.Status,
            StatusCode = outcome.StatusCode,
            ResponseTime = elapsed,
            Attempts = attempts,
            FirstAttemptStatus = firstStatus,
            ErrorKind = outcome.ErrorKind,
            Error = outcome.Error is null ? null : redactor.Redact(outcome.Error),
            RunId = runId,
            Timestamp = _time.GetUtcNow(),
            Severity = definition.Severity,
            Owner = definition.Owner,
            Tags = definition.Tags,
            Details = outcome.Details,
        };
    }

    private static async Task<ProbeOutcome> AttemptAsync(IHealthProbe probe, PreparedCheck check, CancellationToken attemptToken, CancellationToken runToken)
    {
        try
        {
            return await probe.ProbeAsync(check, attemptToken).ConfigureAwait(false);
        }
        catch (Exception) when (runToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(runToken);
        }
        catch (Exception) when (attemptToken.IsCancellationRequested)
        {
            // The attempt's own deadline passed; whatever the transport threw on the way out, it is a timeout.
            return ProbeFailure.Timeout(check.Definition.Timeout);
        }
        catch (Exception ex)
        {
            return ProbeFailure.FromException(ex);
        }
    }
}
