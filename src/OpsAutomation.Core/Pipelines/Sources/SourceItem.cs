namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>What a source yields at one position: a record, or the problem that kept it from being one.</summary>
public readonly struct SourceItem
{
    private readonly object _value;

    public SourceItem(DataRecord record) => _value = record ?? throw new ArgumentNullException(nameof(record));

    public SourceItem(SourceProblem problem) => _value = problem ?? throw new ArgumentNullException(nameof(problem));

    /// <summary>The record, or null when this position holds a problem.</summary>
    public DataRecord? Record => _value as DataRecord;

    /// <summary>The problem, or null when this position holds a record.</summary>
    public SourceProblem? Problem => _value as SourceProblem;

    public long Position => _value is DataRecord record ? record.Position : ((SourceProblem)_value).Position;

    public string Location => _value is DataRecord record ? record.Location : ((SourceProblem)_value).Location;

    public static implicit operator SourceItem(DataRecord record) => new(record);

    public static implicit operator SourceItem(SourceProblem problem) => new(problem);

    public override string ToString() => _value?.ToString() ?? "";
}
