namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>How records reach a table that already holds some.</summary>
public enum SinkWriteMode
{
    /// <summary>Insert, or update the row with the same key: a rerun leaves the table as one run would (needs a key).</summary>
    Upsert,

    /// <summary>Insert every record; a duplicate key is a refused record.</summary>
    Append,
}

/// <summary>A SQLite table to load.</summary>
public sealed record SqliteSinkOptions
{
    /// <summary>The database file; created when missing.</summary>
    public required string Path { get; init; }

    /// <summary>The table; created from <see cref="Columns"/> (or the first batch's fields) when missing.</summary>
    public required string Table { get; init; }

    /// <summary>The key columns: the table's primary key when the sink creates it, and the conflict target of an upsert.</summary>
    public IReadOnlyList<string> Key { get; init; } = [];

    public SinkWriteMode Mode { get; init; } = SinkWriteMode.Upsert;

    /// <summary>The table's columns and types; null to take the first batch's fields with types inferred from their values.</summary>
    public IReadOnlyList<SinkColumn>? Columns { get; init; }

    /// <summary>Column types by name for a table made from the first batch, where a value cannot tell (a null); usually the validation rules' types.</summary>
    public IReadOnlyDictionary<string, SinkColumnType> ColumnTypes { get; init; } = new Dictionary<string, SinkColumnType>();

    /// <summary>How long a write waits for another writer's lock before it counts as a (transient) failure. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
