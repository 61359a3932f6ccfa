namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// The query a SQL source runs. Positions are row ordinals, so they are stable across reruns only
/// when the query orders its rows by a key (<c>ORDER BY id</c>): resuming from a checkpoint
/// depends on it.
/// </summary>
public sealed class SqlSourceOptions
{
    /// <summary>The SELECT to run; parameters as <c>@name</c> (SQLite, PostgreSQL) or <c>$1</c> (PostgreSQL).</summary>
    public required string Query { get; init; }

    /// <summary>Values for the query's named parameters.</summary>
    public IReadOnlyDictionary<string, object?>? Parameters { get; init; }

    /// <summary>How long one command may wait for the database (PostgreSQL: for each read; SQLite: on a lock). Default 30 s; zero waits forever.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The table the query reads, <c>schema.table</c> or <c>table</c>, for the lineage dataset name (PostgreSQL). Default: none, the database alone.</summary>
    public string? Table { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Query))
            throw new ArgumentException("A SQL source needs a query.", nameof(Query));
        if (CommandTimeout < TimeSpan.Zero || CommandTimeout.TotalSeconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(CommandTimeout), CommandTimeout, "CommandTimeout must be zero or more seconds.");
    }
}
