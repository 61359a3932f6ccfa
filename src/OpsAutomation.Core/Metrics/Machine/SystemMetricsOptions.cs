namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>How system metrics are sampled.</summary>
public sealed class SystemMetricsOptions
{
    public static readonly TimeSpan MinimumSampleInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The time between the two readings a sample's rates and CPU busy shares are measured over.
    /// Default 1 second; at least 100 ms, below which the kernel's 10 ms CPU ticks make the shares coarse.
    /// </summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (SampleInterval < MinimumSampleInterval)
            throw new ArgumentOutOfRangeException(nameof(SampleInterval), SampleInterval, $"The sample interval must be at least {MinimumSampleInterval.TotalMilliseconds} ms.");
    }
}
