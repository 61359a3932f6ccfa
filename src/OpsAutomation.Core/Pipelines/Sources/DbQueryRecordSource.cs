using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using OpsAutomation.Core.Logging;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Rows of a query, streamed with a data reader: one connection per read, values converted by
/// <see cref="DbValues"/>. A database that cannot be opened, a failing query or a dropped
/// connection is a <see cref="DataSourceException"/> naming the database (never its password);
/// rows are located as <c>&lt;database&gt; query row N</c>.
/// </summary>
public abstract class DbQueryRecordSource : IRecordSource
{
    private readonly SqlSourceOptions _options;

    protected DbQueryRecordSource(SqlSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public abstract string Name { get; }

    public abstract string DatasetNamespace { get; }

    public abstract string DatasetName { get; }

    /// <summary>The database as a person names it in messages and locations: a path, or host:port/database.</summary>
    protected abstract string Display { get; }

    /// <summary>Masks the connection's secrets in messages that reach the user.</summary>
    protected SecretRedactor Redactor { get; } = new();

    protected abstract DbConnection CreateConnection();

    /// <summary>True when <paramref name="exception"/> may pass on a retry (a lock, a dropped connection).</summary>
    protected abstract bool IsTransient(Exception exception);

    /// <summary>A clearer message for a connection that cannot be opened, when the source knows why.</summary>
    protected virtual string OpenFailure(Exception exception) => $"cannot open the database: {exception.Message}";

    public async IAsyncEnumerable<SourceItem> ReadAsync(long skip, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var _ = connection.ConfigureAwait(false);
        var command = connection.CreateCommand();
        await using var __ = command.ConfigureAwait(false);
        command.CommandText = _options.Query;
        command.CommandTimeout = (int)_options.CommandTimeout.TotalSeconds;
        foreach (var (name, value) in _options.Parameters ?? new Dictionary<string, object?>())
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        var reader = await Guard(() => command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken), "the query failed").ConfigureAwait(false);
        await using var ___ = reader.ConfigureAwait(false);
        var shape = ShapeOf(reader);
        var position = 0L;
        while (await Guard(() => reader.ReadAsync(cancellationToken), "reading the rows failed").ConfigureAwait(false))
        {
            position++;
            if (position <= skip) continue;
            var values = new object?[shape.Count];
            for (var i = 0; i < values.Length; i++)
                values[i] = DbValues.ToRecordValue(reader.GetValue(i));
            yield return new DataRecord(shape, values, position, string.Create(CultureInfo.InvariantCulture, $"{Display} query row {position}"));
        }
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is DbException or IOException or TimeoutException or InvalidOperationException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new DataSourceException(Name, Display, Redactor.Redact(OpenFailure(e)), e, IsTransient(e));
        }
    }

    private async Task<T> Guard<T>(Func<Task<T>> action, string what)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or IOException or TimeoutException)
        {
            throw new DataSourceException(Name, Display, Redactor.Redact($"{what}: {e.Message}"), e, IsTransient(e));
        }
    }

    private RecordShape ShapeOf(DbDataReader reader)
    {
        var names = new string[reader.FieldCount];
        for (var i = 0; i < names.Length; i++)
            names[i] = reader.GetName(i);
        try
        {
            return new RecordShape(names);
        }
        catch (ArgumentException e)
        {
            throw new DataSourceException(Name, Display, $"the query's columns cannot name the fields ({e.Message.Split(" (Parameter")[0]}); give them distinct aliases.", e);
        }
    }
}
