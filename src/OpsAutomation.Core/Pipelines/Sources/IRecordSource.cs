namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// A stream of records from one dataset. Every record and every per-record problem takes the next
/// 1-based position; positions are the same on every read of unchanged input, so a run resumes from
/// its checkpoint by skipping the positions it has already handled.
/// </summary>
public interface IRecordSource : IAsyncDisposable
{
    /// <summary>The dataset as one string: <see cref="DatasetNamespace"/> and <see cref="DatasetName"/> joined as a URI.</summary>
    string Name { get; }

    /// <summary>The OpenLineage dataset namespace: <c>file</c>, <c>postgres://host:port</c>, <c>sqlite</c>.</summary>
    string DatasetNamespace { get; }

    /// <summary>The OpenLineage dataset name: an absolute path, <c>db.schema.table</c>, a database file path.</summary>
    string DatasetName { get; }

    /// <summary>
    /// Reads the items after position <paramref name="skip"/>: the first <paramref name="skip"/>
    /// positions are passed over without building their values (CSV and JSON are only tokenized,
    /// rows of a query only read). A fatal problem throws <see cref="DataSourceException"/>.
    /// </summary>
    IAsyncEnumerable<SourceItem> ReadAsync(long skip, CancellationToken cancellationToken);
}

public static class RecordSourceExtensions
{
    /// <summary>Reads every item from the first position on.</summary>
    public static IAsyncEnumerable<SourceItem> ReadAsync(this IRecordSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.ReadAsync(0, cancellationToken);
    }
}
