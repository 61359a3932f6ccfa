namespace OpsAutomation.Core.Pipelines;

/// <summary>Where a running step is, after each committed batch.</summary>
public sealed record PipelineProgress(string Pipeline, string Step, int StepNumber, int StepCount, long RecordsIn, long Loaded, long Rejected, double RecordsPerSecond, double? ShareRead);
