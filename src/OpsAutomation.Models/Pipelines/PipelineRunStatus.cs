namespace OpsAutomation.Models.Pipelines;

/// <summary>How a pipeline run ended, or that it has not.</summary>
public enum PipelineRunStatus
{
    /// <summary>Started and not ended: still running, or killed (then -Resume continues it).</summary>
    Running,

    /// <summary>Every record read was loaded.</summary>
    Succeeded,

    /// <summary>Ended with some records rejected or dead-lettered; the rest were loaded.</summary>
    CompletedWithRejections,

    /// <summary>Stopped by an error (or by fail-fast validation); what was committed before stays, and -Resume continues from there.</summary>
    Failed,

    /// <summary>Stopped by Ctrl+C or a cancelled scheduler job; -Resume continues it.</summary>
    Cancelled,
}
