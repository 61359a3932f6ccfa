using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Models.Resilience;
using Polly;
using Polly.CircuitBreaker;

namespace OpsAutomation.Core.Tests.Resilience;

public sealed class ResiliencePipelineProviderTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_pipeline_is_built_once_per_target_and_options()
    {
        using var provider = new ResiliencePipelineProvider(_time);
        var options = new ResilienceOptions { RetryCount = 2 };
        var first = provider.Get<int>("svc", options, o => o.Exception is not null);
        Assert.Same(first, provider.Get<int>("svc", new ResilienceOptions { RetryCount = 2 }, o => o.Exception is not null));
        Assert.NotSame(first, provider.Get<int>("other", options, o => o.Exception is not null));
        Assert.NotSame(first, provider.Get<int>("svc", new ResilienceOptions { RetryCount = 3 }, o => o.Exception is not null));
    }

    [Fact]
    public async Task Retries_back_off_exponentially_on_the_injected_clock()
    {
        var time = new TimerCountingTimeProvider();
        using var provider = new ResiliencePipelineProvider(time);
        var pipeline = provider.Get<int>("svc", new ResilienceOptions { RetryCount = 3, BaseDelay = TimeSpan.FromSeconds(1), UseJitter = false }, o => o.Result < 0);
        var attempts = 0;
        var run = pipeline.ExecuteAsync(_ => ValueTask.FromResult(++attempts < 4 ? -1 : 7)).AsTask();

        // Each retry's delay runs on a timer of the fake clock; advancing before Polly has created it
        // would move time past a timer that does not exist yet, so each step waits for its timer.
        Assert.Equal(1, attempts);
        await WaitUntil(() => time.TimersCreated == 1);
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntil(() => attempts == 2 && time.TimersCreated == 2);
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(2, attempts);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await WaitUntil(() => attempts == 3 && time.TimersCreated == 3);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(7, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task The_attempt_timeout_cancels_a_slow_attempt()
    {
        using var provider = new ResiliencePipelineProvider(_time);
        var pipeline = provider.Get<int>("slow", new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(2) }, _ => false);
        var run = pipeline.ExecuteAsync(async token => { await Task.Delay(Timeout.Infinite, token); return 1; }).AsTask();
        _time.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => run);
    }

    [Fact]
    public async Task The_circuit_opens_after_failures_and_closes_after_the_break()
    {
        using var provider = new ResiliencePipelineProvider(_time);
        var breaker = new CircuitBreakerOptions { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(30) };
        var pipeline = provider.Get<int>("cb", new ResilienceOptions { CircuitBreaker = breaker }, o => o.Result < 0);
        Assert.Equal(-1, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(-1)));
        Assert.Equal(-1, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(-1)));
        await Assert.ThrowsAsync<BrokenCircuitException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void Out_of_range_options_are_refused_by_name(int retries)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ResilienceOptions { RetryCount = retries }.Validate());
        Assert.Equal("RetryCount", ex.ParamName);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(5);
        Assert.True(condition());
    }

    private sealed class TimerCountingTimeProvider : FakeTimeProvider
    {
        private int _timersCreated;

        public int TimersCreated => Volatile.Read(ref _timersCreated);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timersCreated);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
