namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// A record the source could not read (a ragged row, bytes invalid in the declared encoding, a JSON
/// line that is not an object). The pipeline rejects or dead-letters it and reads on.
/// </summary>
/// <param name="Position">The 1-based ordinal the record would have had.</param>
/// <param name="Location">Where it is, such as <c>orders.csv:17</c> or <c>orders.csv:17:5</c>.</param>
/// <param name="Reason">What is wrong, naming line, column and field where known.</param>
/// <param name="RawText">The record as read, without its line end; undecodable bytes show as U+FFFD.</param>
public sealed record SourceProblem(long Position, string Location, string Reason, string? RawText);
