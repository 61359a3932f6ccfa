namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Stands for a field of an in-memory object that could not be read (a PowerShell property whose
/// getter threw): the object becomes a <see cref="SourceProblem"/> naming the field, never a record
/// holding the error's text as data.
/// </summary>
public sealed record UnreadableValue(string Reason);
