namespace OpsAutomation.Models.Metrics;

/// <summary>The share of time the CPUs were busy (not idle and not waiting for I/O) over a sample's interval.</summary>
public sealed record CpuMetrics
{
    /// <summary>Busy share of all cores together, in percent.</summary>
    public double BusyPercent { get; init; }

    /// <summary>Busy share of each core, in percent, indexed by core number.</summary>
    public required IReadOnlyList<double> CoreBusyPercent { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{BusyPercent:0.#}% of {CoreBusyPercent.Count} cores";
}
