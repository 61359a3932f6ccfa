using System.Globalization;
using OpsAutomation.Models.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;

namespace OpsAutomation.Core.Resilience;

/// <summary>
/// The one place that turns <see cref="ResilienceOptions"/> into Polly pipelines: retry with
/// exponential backoff and jitter (outermost), circuit breaker, then the per-attempt timeout.
/// A pipeline is built once per target and options, then reused by every later call.
/// </summary>
public sealed class ResiliencePipelineProvider : IDisposable
{
    private readonly ResiliencePipelineRegistry<string> _registry = new();
    private readonly TimeProvider _time;

    public ResiliencePipelineProvider(TimeProvider time) => _time = time;

    /// <param name="target">What the pipeline guards, such as a service name; its circuit is its own.</param>
    /// <param name="shouldHandle">Which outcomes count as failures, to retry and to open the circuit.</param>
    public ResiliencePipeline<T> Get<T>(string target, ResilienceOptions options, Func<Outcome<T>, bool> shouldHandle)
    {
        var key = $"{typeof(T).FullName}|{target}|{Fingerprint(options)}";
        return _registry.GetOrAddPipeline<T>(key, builder => Configure(builder, options, shouldHandle, _time));
    }

    public void Dispose() => _registry.Dispose();

    /// <summary>Builds the strategies into <paramref name="builder"/>; public so every capability configures alike.</summary>
    public static void Configure<T>(ResiliencePipelineBuilder<T> builder, ResilienceOptions options, Func<Outcome<T>, bool> shouldHandle, TimeProvider time)
    {
        options.Validate();
        builder.TimeProvider = time;
        var handle = new Func<Outcome<T>, ValueTask<bool>>(outcome => ValueTask.FromResult(shouldHandle(outcome)));
        if (options.RetryCount > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<T>
            {
                MaxRetryAttempts = options.RetryCount,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.UseJitter,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => handle(args.Outcome),
            });
        }
        if (options.CircuitBreaker is { } breaker)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<T>
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = args => handle(args.Outcome),
            });
        }
        if (options.AttemptTimeout is { } timeout)
            builder.AddTimeout(timeout);
    }

    private static string Fingerprint(ResilienceOptions o) => string.Join('|',
        o.RetryCount.ToString(CultureInfo.InvariantCulture), o.BaseDelay.Ticks.ToString(CultureInfo.InvariantCulture),
        o.MaxDelay.Ticks.ToString(CultureInfo.InvariantCulture), o.UseJitter ? "j" : "", o.AttemptTimeout?.Ticks.ToString(CultureInfo.InvariantCulture) ?? "",
        o.CircuitBreaker is { } b
            ? FormattableString.Invariant($"{b.FailureRatio}/{b.MinimumThroughput}/{b.SamplingDuration.Ticks}/{b.BreakDuration.Ticks}")
            : "");
}
