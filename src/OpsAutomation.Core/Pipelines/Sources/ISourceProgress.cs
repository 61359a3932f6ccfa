namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>A source that knows how much of its input it has read (a file: bytes read of its length).</summary>
public interface ISourceProgress
{
    /// <summary>The share of the input read so far, 0 to 1; null when unknown.</summary>
    double? ShareRead { get; }
}
