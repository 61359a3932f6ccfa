namespace OpsAutomation.Models.Resilience;

/// <summary>How a call is retried, timed out and guarded; the one description every capability shares.</summary>
public sealed class ResilienceOptions
{
    /// <summary>Retries after the first attempt. Default 0; at most 100.</summary>
    public int RetryCount { get; init; }

    /// <summary>The first retry's delay; it doubles on each retry. Default 250 ms.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest delay between two attempts. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Spread delays at random so many clients do not retry in step. Default true.</summary>
    public bool UseJitter { get; init; } = true;

    /// <summary>The limit of one attempt; null for none. Default null.</summary>
    public TimeSpan? AttemptTimeout { get; init; }

    /// <summary>Open a circuit after failures; null for no circuit breaker. Default null.</summary>
    public CircuitBreakerOptions? CircuitBreaker { get; init; }

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        if (RetryCount is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(RetryCount), RetryCount, "RetryCount must be between 0 and 100.");
        if (BaseDelay < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(BaseDelay), BaseDelay, "BaseDelay must not be negative.");
        if (MaxDelay < BaseDelay)
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "MaxDelay must not be shorter than BaseDelay.");
        if (AttemptTimeout is { } timeout && timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), timeout, "AttemptTimeout must be positive.");
        CircuitBreaker?.Validate();
    }
}

/// <summary>When a circuit opens and how long it stays open.</summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>The share of failed calls in the sampling window that opens the circuit. Default 0.5.</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>Calls needed in the window before the ratio counts. Default 5.</summary>
    public int MinimumThroughput { get; init; } = 5;

    /// <summary>The window over which failures are counted. Default 30 s.</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before one trial call. Default 30 s.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        if (FailureRatio is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(FailureRatio), FailureRatio, "FailureRatio must be in (0, 1].");
        if (MinimumThroughput < 2)
            throw new ArgumentOutOfRangeException(nameof(MinimumThroughput), MinimumThroughput, "MinimumThroughput must be at least 2.");
        if (SamplingDuration < TimeSpan.FromMilliseconds(500))
            throw new ArgumentOutOfRangeException(nameof(SamplingDuration), SamplingDuration, "SamplingDuration must be at least 500 ms.");
        if (BreakDuration < TimeSpan.FromMilliseconds(500))
            throw new ArgumentOutOfRangeException(nameof(BreakDuration), BreakDuration, "BreakDuration must be at least 500 ms.");
    }
}
