namespace OpsAutomation.Models.Metrics;

/// <summary>A textfile-collector file written by Export-MetricTextFile.</summary>
public sealed record MetricTextFile
{
    /// <summary>The full path of the file.</summary>
    public required string Path { get; init; }

    /// <summary>Bytes written.</summary>
    public long Bytes { get; init; }

    /// <summary>When this was read or done.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
