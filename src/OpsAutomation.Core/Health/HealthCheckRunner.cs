using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Resilience;
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

    public HealthCheckRunner(HttpClientProvider http, ResiliencePipelineProvider pipelines, TimeProvider time)
        : this(new Dictionary<HealthCheckKind, IHealthProbe>
        {
            [HealthCheckKind.Http] = new HttpHealthProbe(http),
            [HealthCheckKind.Tcp] = new TcpHealthProbe(),
            [HealthCheckKind.Dns] = new DnsHealthProbe(),
        }, pipelines, time)
    {
    }

    internal HealthCheckRunner(IReadOnlyDictionary<HealthCheckKind, IHealthProbe> probes, ResiliencePipelineProvider pipelines, TimeProvider time, TimeSpan? retryBaseDelay = null)
    {
        _probes = probes;
        _pipelines = pipelines;
        _time = time;
        _retryBaseDelay = retryBaseDelay ?? new ResilienceOptions().BaseDelay;
    }

    /// <summary>Checks everything <paramref name="checks"/> yields, at most <paramref name="throttleLimit"/> at once, yielding results in completion order.</summary>
    public async IAsyncEnumerable<HealthCheckResult> RunAsync(IAsyncEnumerable<PreparedCheck> checks, string runId, int throttleLimit, SecretRedactor redactor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var results = Channel.CreateUnbounded<HealthCheckResult>(new UnboundedChannelOptions { SingleReader = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(checks, new ParallelOptions { MaxDegreeOfParallelism = throttleLimit, CancellationToken = cancellationToken },
                    async (check, token) => await results.Writer.WriteAsync(await CheckAsync(check, runId, redactor, token).ConfigureAwait(false), token).ConfigureAwait(false))
                    .ConfigureAwait(false);
                results.Writer.Complete();
            }
            catch (Exception ex)
            {
                results.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        await foreach (var result in results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return result;
        await producer.ConfigureAwait(false);
        // ReadAllAsync ends quietly on a faulted channel; Completion rethrows the producer's failure.
        await results.Reader.Completion.ConfigureAwait(false);
    }

    public async Task<HealthCheckResult> CheckAsync(PreparedCheck check, string runId, SecretRedactor redactor, CancellationToken cancellationToken)
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

        return new HealthCheckResult
        {
            Name = definition.Name,
            Kind = definition.Kind,
            Target = check.DisplayTarget,
            Status = outcome.Status,
            StatusCode = outcome.StatusCode,
            ResponseTime = elapsed,
            Attempts = attempts,
            FirstAttemptStatus = firstStatus ?? outcome.Status,
            ErrorKind = outcome.ErrorKind,
            Error = outcome.Error is null ? null : redactor.Redact(outcome.Error),
            RunId = runId,
            Timestamp = _time.GetUtcNow(),
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
