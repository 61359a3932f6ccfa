namespace OpsAutomation.Core.Pipelines.Transforms;

/// <summary>
/// One transform of a step. It returns the new record, or null to filter the record out on
/// purpose; an exception rejects the record (it becomes a dead letter of the Transform stage).
/// Transforms run on several workers at once, so they keep no per-record state.
/// </summary>
public interface IRecordTransform
{
    /// <summary>What it is in errors and logs, such as "rename" or "derive total".</summary>
    string Name { get; }

    DataRecord? Apply(DataRecord record);
}
